using System.Text.RegularExpressions;
using FluentValidation;

namespace Governance.Api.Evaluations;

/// <summary>A metric as a client sends it; nullable where a missing value must be a 400, not a silent zero.</summary>
public sealed record SuiteMetricInput(string Name, double? Threshold, string Direction, double? MaxRegression = null)
{
    /// <summary>The validated metric.</summary>
    public SuiteMetric ToMetric() => new(Name, Threshold!.Value, Direction, MaxRegression);
}

/// <summary>A slice as a client sends it.</summary>
public sealed record SuiteSliceInput(string Name, string Metric, double? Threshold)
{
    /// <summary>The validated slice.</summary>
    public SuiteSlice ToSlice() => new(Name, Metric, Threshold!.Value);
}

/// <summary>The body shared by defining and revising a suite.</summary>
public interface ISuiteBody
{
    /// <summary>What the suite is for.</summary>
    string? Description { get; }

    /// <summary>The metrics every evaluation must report.</summary>
    IReadOnlyList<SuiteMetricInput>? Metrics { get; }

    /// <summary>The slices with their own thresholds.</summary>
    IReadOnlyList<SuiteSliceInput>? Slices { get; }
}

/// <summary>Shape rules of a suite definition, shared by define and revise.</summary>
public abstract class SuiteBodyValidator<T> : AbstractValidator<T> where T : ISuiteBody
{
    protected SuiteBodyValidator()
    {
        RuleFor(c => c.Description).MaximumLength(2000);
        RuleFor(c => c.Metrics).NotEmpty().WithMessage("A suite needs at least one metric.")
            .Must(m => m!.Count <= 100).WithMessage("A suite has at most 100 metrics.")
            .Must(m => m!.Select(x => x?.Name).Distinct(StringComparer.Ordinal).Count() == m!.Count)
            .WithMessage("Each metric is named once.")
            .When(c => c.Metrics is not null);
        RuleFor(c => c.Metrics).NotNull().WithMessage("A suite needs at least one metric.");
        RuleForEach(c => c.Metrics).NotNull().SetValidator(new MetricValidator());
        RuleFor(c => c.Slices)
            .Must(s => s!.Count <= 200).WithMessage("A suite has at most 200 slices.")
            .Must(s => s!.Select(x => x?.Name).Distinct(StringComparer.Ordinal).Count() == s!.Count)
            .WithMessage("Each slice is named once.")
            .When(c => c.Slices is not null);
        RuleForEach(c => c.Slices).NotNull().SetValidator(new SliceValidator());
        RuleFor(c => c.Slices).Custom((slices, context) =>
        {
            var metrics = context.InstanceToValidate.Metrics?.Where(m => m is not null).Select(m => m.Name).ToHashSet(StringComparer.Ordinal) ?? [];
            for (var i = 0; i < (slices?.Count ?? 0); i++)
            {
                if (slices![i] is { Metric: { Length: > 0 } metric } && !metrics.Contains(metric))
                {
                    context.AddFailure($"Slices[{i}].Metric", $"Slice metric '{metric}' is not one of the suite's metrics.");
                }
            }
        });
    }

    /// <summary>Rules for one metric.</summary>
    public sealed class MetricValidator : AbstractValidator<SuiteMetricInput>
    {
        public MetricValidator()
        {
            RuleFor(m => m.Name).IsMetricName();
            RuleFor(m => m.Threshold).NotNull().WithMessage("Give the metric's threshold.");
            RuleFor(m => m.Threshold).Must(t => double.IsFinite(t!.Value)).WithMessage("A threshold is a finite number.").When(m => m.Threshold is not null);
            RuleFor(m => m.Direction).NotEmpty().Must(d => MetricDirection.All.Contains(d))
                .WithMessage("Direction is 'higher' or 'lower'.");
            RuleFor(m => m.MaxRegression).Must(r => double.IsFinite(r!.Value) && r.Value >= 0)
                .WithMessage("maxRegression is a finite number, 0 or more.").When(m => m.MaxRegression is not null);
        }
    }

    /// <summary>Rules for one slice.</summary>
    public sealed class SliceValidator : AbstractValidator<SuiteSliceInput>
    {
        public SliceValidator()
        {
            RuleFor(s => s.Name).IsMetricName();
            RuleFor(s => s.Metric).NotEmpty().WithMessage("Name the slice's metric.");
            RuleFor(s => s.Threshold).NotNull().WithMessage("Give the slice's threshold.");
            RuleFor(s => s.Threshold).Must(t => double.IsFinite(t!.Value)).WithMessage("A threshold is a finite number.").When(s => s.Threshold is not null);
        }
    }
}

/// <summary>Turning a validated body into the definition events carry.</summary>
public static class SuiteBodyExtensions
{
    /// <summary>The metrics, validated.</summary>
    public static IReadOnlyList<SuiteMetric> ToMetrics(this ISuiteBody body) => [.. (body.Metrics ?? []).Select(m => m.ToMetric())];

    /// <summary>The slices, validated; none when absent.</summary>
    public static IReadOnlyList<SuiteSlice> ToSlices(this ISuiteBody body) => [.. (body.Slices ?? []).Select(s => s.ToSlice())];
}

/// <summary>What a metric or slice name looks like: no ':' (it separates the parts of a check name).</summary>
public static partial class MetricNames
{
    /// <summary>The message for a bad name.</summary>
    public const string Message = "A metric or slice name is 1–100 letters, digits, '_', '.', '@', '/', '=', '+' or '-', starting with a letter or digit.";

    /// <summary>The pattern.</summary>
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.@/=+-]{0,99}$")]
    public static partial Regex Pattern();

    /// <summary>Must be a metric or slice name.</summary>
    public static IRuleBuilderOptions<T, string> IsMetricName<T>(this IRuleBuilder<T, string> rule) =>
        rule.NotEmpty().Matches(Pattern()).WithMessage(Message);
}
