using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Telemetry;
using Governance.Api.Core.Validation;
using Governance.Api.Models;
using Governance.EventLog.Streams;
using JasperFx.Events;
using Microsoft.AspNetCore.Mvc;
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

    /// <summary>State rules: on-call engineers and approvers roll back, and there must be a version to go back to (<see cref="Target"/>).</summary>
    public static DomainError? Check(RollBackStage command, string model, string stage, Deployment? state, Actor actor) =>
        !actor.Has(Roles.OnCall) && !actor.Has(Roles.Approver)
            ? DomainError.Forbidden("Rolling back needs the oncall or approver role.")
            : Target(command, model, stage, state).Error;

    /// <summary>
    /// The version the stage goes back to, or why there is none. Something must run in the stage. Without a named version
    /// the stage goes to its fallback, else the version that ran before, whichever is safe (<see cref="Deployment.IsSafeToReturnTo"/>):
    /// never back to a version a rollback took out of the stage, so rolling back twice cannot bring a bad version back.
    /// A named version must have run in the stage before or be its designated fallback, and may be one that was rolled back.
    /// </summary>
    public static (string? Target, DomainError? Error) Target(RollBackStage command, string model, string stage, Deployment? state)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (state?.Current is not { } current)
        {
            return (null, DomainError.Conflict($"Nothing runs in '{stage}' of model '{model}', so there is nothing to roll back."));
        }

        if (command.ToVersion is { } named)
        {
            if (named == current.Version)
            {
                return (null, DomainError.Conflict($"{model}@{named} already runs in '{stage}'."));
            }

            return state.LastEntryOf(named) is null && named != state.Fallback
                ? (null, DomainError.Unprocessable($"{model}@{named} never ran in '{stage}' and is not its fallback.", "toVersion"))
                : (named, null);
        }

        var candidates = new[] { state.Fallback, state.Previous }.OfType<string>().Where(v => v != current.Version).Distinct().ToList();
        if (candidates.Count == 0)
        {
            return (null, DomainError.Conflict($"'{stage}' of model '{model}' has no fallback and no previous version to return to."));
        }

        if (candidates.FirstOrDefault(state.IsSafeToReturnTo) is not { } safe)
        {
            var why = string.Join(" and ", candidates.Select(v => state.RolledBackFrom(v)!).Select(r => $"{r.Version} was rolled back from it at {InstantPattern.ExtendedIso.Format(r.At)}"));
            return (null, DomainError.Conflict(
                $"Nothing safe to roll back to in '{stage}' of model '{model}': {why}. Name a version with toVersion to return to it anyway."));
        }

        return (safe, null);
    }

    /// <summary>The rollback to <see cref="Target"/>, naming the stage's next fallback (<see cref="Check"/> has let it through).</summary>
    public static IReadOnlyList<object> Decide(RollBackStage command, string model, string stage, Deployment state, Instant now, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(state);
        var current = state.Current!;
        var target = Target(command, model, stage, state).Target!;

        // The next rollback's destination: the latest other version that ran here and is still safe once this one is rolled back.
        var fallback = state.History.LastOrDefault(e => e.Version != target && e.Version != current.Version && state.RolledBackFrom(e.Version) is null)?.Version;
        var entry = state.LastEntryOf(target);
        return [new VersionRolledBack(model, stage, current.Version, target, entry?.PromotionId, entry?.ApprovedBy ?? [], fallback,
            command.Reason, command.IncidentId, actor.Name, now)];
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

    /// <summary>Refuses with problem details before anything is appended.</summary>
    public static ProblemDetails Validate(RollBackStage command, string key, string stage, IEventStream<Folded<Deployment>> deployment, HttpContext http) =>
        StreamRules.Check(http, deployment, (state, actor) => RollBackStage.Check(command, key, stage, state, actor));

    /// <summary>Rolls the stage back.</summary>
    [WolverinePost("/api/v1/models/{key}/stages/{stage}/rollback")]
    public static (IResult, Events) Post(
        RollBackStage command, string key, string stage,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Deployment>> deployment,
        HttpContext http, IClock clock)
    {
        var decided = StreamCommand.Run(http, deployment, clock, nameof(RollBackStage),
            (state, now, actor) => RollBackStage.Decide(command, key, stage, state!, now, actor));
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
