using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Validation;
using NodaTime;

namespace Governance.Api.Evaluations;

/// <summary>
/// Add one slice to a suite, as a new revision. No endpoint of its own: other slices call it (a postmortem adds
/// the slice a live failure exposed), so the suite's history says why the slice exists.
/// </summary>
public sealed record AddSuiteSlice(string Suite, string Name, string Metric, double? Threshold, string? IncidentId = null)
{
    /// <summary>Shape rules, for callers that take the slice from a request body.</summary>
    public sealed class Validator : AbstractValidator<AddSuiteSlice>
    {
        public Validator()
        {
            RuleFor(c => c.Suite).IsSlug();
            RuleFor(c => c.Name).IsMetricName();
            RuleFor(c => c.Metric).NotEmpty().WithMessage("Name the slice's metric.");
            RuleFor(c => c.Threshold).NotNull().WithMessage("Give the slice's threshold.");
            RuleFor(c => c.Threshold).Must(t => double.IsFinite(t!.Value)).WithMessage("A threshold is a finite number.").When(c => c.Threshold is not null);
        }
    }

    /// <summary>
    /// The suite must exist and measure the slice's metric; a slice name is used once, unless it is exactly the slice
    /// asked for (adding it again changes nothing).
    /// </summary>
    public static DomainError? Check(AddSuiteSlice command, Suite? state)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (state is null)
        {
            return DomainError.Unprocessable($"No evaluation suite named '{command.Suite}'.", "suite");
        }

        if (command.Threshold is not { } threshold || !double.IsFinite(threshold))
        {
            return DomainError.Invalid("threshold", "Give the slice's threshold as a finite number.");
        }

        var current = state.Current;
        if (current.Metric(command.Metric) is null)
        {
            return DomainError.Unprocessable(
                $"Suite '{command.Suite}' has no metric '{command.Metric}' (it measures {string.Join(", ", current.Metrics.Select(m => m.Name))}).", "metric");
        }

        return current.Slices.FirstOrDefault(s => s.Name == command.Name) is { } existing && existing != Slice(command)
            ? DomainError.Conflict($"Suite '{command.Suite}' already has a slice '{command.Name}' (on {existing.Metric}, threshold {existing.Threshold}); revise the suite to change it.")
            : null;
    }

    /// <summary>The slice as the suite's next revision; nothing when the suite already has it.</summary>
    public static IReadOnlyList<object> Decide(AddSuiteSlice command, Suite state, Instant now, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(state);
        var current = state.Current;
        return current.Slices.Any(s => s.Name == command.Name)
            ? []
            : [new SuiteSliceAdded(command.Suite, current.Revision + 1, Slice(command), actor.Name, now, command.IncidentId)];
    }

    private static SuiteSlice Slice(AddSuiteSlice command) => new(command.Name, command.Metric, command.Threshold!.Value);
}
