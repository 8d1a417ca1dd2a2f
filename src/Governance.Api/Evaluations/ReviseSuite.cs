using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Validation;
using NodaTime;

namespace Governance.Api.Evaluations;

/// <summary>
/// Replace a suite's definition: a new revision. Evaluations keep the revision they were judged by, and
/// regression is only ever measured within one revision. Sending the current definition again changes nothing.
/// </summary>
public sealed record ReviseSuite(
    string? Name, string? Description, IReadOnlyList<SuiteMetricInput>? Metrics, IReadOnlyList<SuiteSliceInput>? Slices) : ISuiteBody
{
    /// <summary>Shape rules; the name, when sent, must be the one in the path (checked by the endpoint).</summary>
    public sealed class Validator : SuiteBodyValidator<ReviseSuite>;

    /// <summary>The response.</summary>
    public sealed record Revised(int Revision);

    /// <summary>Pure decision: only an existing suite is revised; an unchanged definition is not a new revision.</summary>
    public static Decision Decide(string name, ReviseSuite command, Suite? state, Instant now, Actor actor)
    {
        if (state is null)
        {
            return DomainError.NotFound($"No evaluation suite named '{name}'; define it with POST /api/v1/evaluation-suites.");
        }

        var description = command.Description ?? "";
        var metrics = command.ToMetrics();
        var slices = command.ToSlices();
        if (state.Current.SameDefinitionAs(description, metrics, slices))
        {
            return Decision.Unchanged;
        }

        return Decision.Accept(new SuiteRevised(name, state.Current.Revision + 1, description, metrics, slices, actor.Name, now));
    }

    /// <summary>PUT /api/v1/evaluation-suites/{name}.</summary>
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapPut("/evaluation-suites/{name}", async (string name, ReviseSuite command, HttpContext http, CommandExecutor executor, CancellationToken ct) =>
            {
                if (command.Name is not null && command.Name != name)
                {
                    return DomainError.Invalid("name", $"The body names suite '{command.Name}' but the path names '{name}'.").ToResult();
                }

                if (!Rules.Slug().IsMatch(name))
                {
                    return DomainError.NotFound($"No evaluation suite named '{name}'.").ToResult();
                }

                var outcome = await executor.ExecuteAsync<Suite>(http, nameof(ReviseSuite),
                    Suite.StreamId(name), Suite.StreamType,
                    (state, now, actor) => Decide(name, command, state, now, actor), ct);
                // Every suite event makes exactly one revision, so the revision is the stream version.
                return outcome.Succeeded ? Results.Ok(new Revised((int)outcome.Version)) : outcome.Error!.ToResult();
            })
            .Validate<ReviseSuite>()
            .RequireRole(Roles.Contributor)
            .WithTags("Evaluations").WithName(nameof(ReviseSuite))
            .WithSummary("Revise an evaluation suite: the whole definition, as a new revision (unchanged definitions keep the revision).")
            .Produces<Revised>()
            .ProducesProblem(StatusCodes.Status404NotFound);
}
