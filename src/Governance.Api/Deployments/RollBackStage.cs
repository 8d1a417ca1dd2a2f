using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Telemetry;
using Governance.Api.Core.Validation;
using Governance.Api.Models;
using Governance.EventLog.Streams;
using JasperFx.Events;
using Wolverine.Http;
using Wolverine.Marten;
using NodaTime;
using NodaTime.Text;

namespace Governance.Api.Deployments;

/// <summary>Put a stage back on an earlier version: the named one, else the designated fallback, else the previous one.</summary>
public sealed record RollBackStage(string? ToVersion, string Reason, string? IncidentId)
{
    /// <summary>Shape rules.</summary>
    public sealed class Validator : AbstractValidator<RollBackStage>
    {
        public Validator()
        {
            RuleFor(c => c.ToVersion!).IsLabel().When(c => c.ToVersion is not null);
            RuleFor(c => c.Reason).NotEmpty().IsText(5000);
            RuleFor(c => c.IncidentId).IsText(100);
        }
    }

    /// <summary>The response.</summary>
    public sealed record RolledBack(string Model, string Stage, string FromVersion, string ToVersion, string? Fallback);

    /// <summary>
    /// Pure decision: on-call engineers and approvers roll back; something must run in the stage. Without a named version
    /// the stage goes to its fallback, else the version that ran before, whichever is safe (<see cref="Deployment.IsSafeToReturnTo"/>):
    /// never back to a version a rollback took out of the stage, so rolling back twice cannot bring a bad version back.
    /// A named version must have run in the stage before or be its designated fallback, and may be one that was rolled back.
    /// </summary>
    public static Decision Decide(RollBackStage command, string model, string stage, Deployment? state, Instant now, Actor actor)
    {
        if (!actor.Has(Roles.OnCall) && !actor.Has(Roles.Approver))
        {
            return DomainError.Forbidden("Rolling back needs the oncall or approver role.");
        }

        if (state?.Current is not { } current)
        {
            return DomainError.Conflict($"Nothing runs in '{stage}' of model '{model}', so there is nothing to roll back.");
        }

        string target;
        if (command.ToVersion is { } named)
        {
            if (named == current.Version)
            {
                return DomainError.Conflict($"{model}@{named} already runs in '{stage}'.");
            }

            if (state.LastEntryOf(named) is null && named != state.Fallback)
            {
                return DomainError.Unprocessable($"{model}@{named} never ran in '{stage}' and is not its fallback.", "toVersion");
            }

            target = named;
        }
        else
        {
            var candidates = new[] { state.Fallback, state.Previous }.OfType<string>().Where(v => v != current.Version).Distinct().ToList();
            if (candidates.Count == 0)
            {
                return DomainError.Conflict($"'{stage}' of model '{model}' has no fallback and no previous version to return to.");
            }

            if (candidates.FirstOrDefault(state.IsSafeToReturnTo) is not { } safe)
            {
                var why = string.Join(" and ", candidates.Select(v => state.RolledBackFrom(v)!).Select(r => $"{r.Version} was rolled back from it at {InstantPattern.ExtendedIso.Format(r.At)}"));
                return DomainError.Conflict(
                    $"Nothing safe to roll back to in '{stage}' of model '{model}': {why}. Name a version with toVersion to return to it anyway.");
            }

            target = safe;
        }

        // The next rollback's destination: the latest other version that ran here and is still safe once this one is rolled back.
        var fallback = state.History.LastOrDefault(e => e.Version != target && e.Version != current.Version && state.RolledBackFrom(e.Version) is null)?.Version;
        var entry = state.LastEntryOf(target);
        return Decision.Accept(new VersionRolledBack(model, stage, current.Version, target, entry?.PromotionId, entry?.ApprovedBy ?? [], fallback,
            command.Reason, command.IncidentId, actor.Name, now));
    }
}

/// <summary>POST /api/v1/models/{key}/stages/{stage}/rollback.</summary>
public static class RollBackStageEndpoint
{
    /// <summary>The stage's deployment stream.</summary>
    public static string StreamOf(string key, string stage) => Deployment.StreamId(key, stage);

    /// <summary>The model and the stage must exist.</summary>
    public static async Task<IResult> BeforeAsync(string key, string stage, ModelQueries models, CancellationToken ct) =>
        await DeploymentQueries.StageErrorAsync(models, key, stage, ct) is { } missing ? missing.ToResult() : WolverineContinue.Result();

    /// <summary>Rolls the stage back.</summary>
    [WolverinePost("/api/v1/models/{key}/stages/{stage}/rollback")]
    public static (IResult, Events) Post(
        RollBackStage command, string key, string stage,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Deployment>> deployment,
        HttpContext http, IClock clock)
    {
        var decided = StreamCommand.Run(http, deployment, clock, nameof(RollBackStage),
            (state, now, actor) => RollBackStage.Decide(command, key, stage, state, now, actor));
        if (decided.Refusal is { } refusal)
        {
            return (refusal, []);
        }

        GovernanceTelemetry.Promotions.Add(1, new KeyValuePair<string, object?>("outcome", "rolled_back"));
        var rolledBack = decided.Events.OfType<VersionRolledBack>().Single();
        return (new Versioned(Results.Ok(new RollBackStage.RolledBack(key, stage, rolledBack.FromVersion, rolledBack.ToVersion, rolledBack.Fallback)), decided.Version),
            [.. decided.Events]);
    }

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.Metadata
            .RequireRole(Roles.Contributor)
            .WithTags("Deployments").WithName(nameof(RollBackStage))
            .WithSummary("Roll a stage back to the named version, else its fallback or the previous version unless a rollback took that one out (409 when nothing is safe), optionally naming the incident.")
            .Produces<RollBackStage.RolledBack>()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
    }
}
