using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Validation;
using NodaTime;

namespace Governance.Api.Evaluations;

/// <summary>Define a new evaluation suite: the standard every evaluation of a model is judged by. Revision 1.</summary>
public sealed record DefineSuite(
    string Name, string? Description, IReadOnlyList<SuiteMetricInput>? Metrics, IReadOnlyList<SuiteSliceInput>? Slices) : ISuiteBody
{
    /// <summary>Shape rules.</summary>
    public sealed class Validator : SuiteBodyValidator<DefineSuite>
    {
        public Validator() => RuleFor(c => c.Name).IsSlug();
    }

    /// <summary>The response.</summary>
    public sealed record Defined(string Name, int Revision);

    /// <summary>Pure decision: a name is defined once; later changes are revisions.</summary>
    public static Decision Decide(DefineSuite command, Suite? state, Instant now, Actor actor)
    {
        if (state is not null)
        {
            return DomainError.Conflict(
                $"A suite named '{command.Name}' already exists (revision {state.Current.Revision}); revise it with PUT /api/v1/evaluation-suites/{command.Name}.");
        }

        return Decision.Accept(new SuiteDefined(
            command.Name, 1, command.Description ?? "", command.ToMetrics(), command.ToSlices(), actor.Name, now));
    }

    /// <summary>POST /api/v1/evaluation-suites.</summary>
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapPost("/evaluation-suites", async (DefineSuite command, HttpContext http, CommandExecutor executor, CancellationToken ct) =>
            {
                var outcome = await executor.ExecuteAsync<Suite>(http, nameof(DefineSuite),
                    Suite.StreamId(command.Name), Suite.StreamType,
                    (state, now, actor) => Decide(command, state, now, actor), ct);
                return outcome.Succeeded
                    ? Results.Created($"/api/v1/evaluation-suites/{command.Name}", new Defined(command.Name, 1))
                    : outcome.Error!.ToResult();
            })
            .Validate<DefineSuite>()
            .RequireRole(Roles.Contributor)
            .WithTags("Evaluations").WithName(nameof(DefineSuite))
            .WithSummary("Define an evaluation suite: metrics with thresholds, directions and regression limits, and slices.")
            .Produces<Defined>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status409Conflict);
}
