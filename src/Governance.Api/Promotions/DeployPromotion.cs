using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Telemetry;
using Governance.Api.Deployments;
using Governance.EventLog;
using Governance.EventLog.Streams;
using JasperFx.Events;
using Microsoft.AspNetCore.Mvc;
using Marten;
using Wolverine.Http;
using Wolverine.Marten;
using NodaTime;

namespace Governance.Api.Promotions;

/// <summary>Deploy an approved promotion into its target stage (the body is an empty object).</summary>
public sealed record DeployPromotion
{
    /// <summary>
    /// What deploying decided: events for the promotion stream and for the stage's deployment stream, and the refusal when a
    /// gate fails now (that refusal still records the failed evaluation on the promotion, so it is not a <see cref="Check"/> rule).
    /// </summary>
    public sealed record Plan(IReadOnlyList<object> PromotionEvents, IReadOnlyList<object> DeploymentEvents, DomainError? Error, IReadOnlyList<Gate>? FailedGates = null);

    /// <summary>State rules: only an approved promotion deploys, with the artifact it was approved for.</summary>
    public static DomainError? Check(string id, string? currentDigest, Promotion? state)
    {
        if (state is null)
        {
            return DomainError.NotFound($"No promotion '{id}'.");
        }

        var request = state.Request;
        if (state.Status != PromotionStatus.Approved)
        {
            return DomainError.Conflict(state.Status == PromotionStatus.Pending
                ? $"Promotion '{id}' still needs {state.MissingApprovals} approval(s) before it can be deployed."
                : $"Promotion '{id}' is {state.Status}; only approved promotions are deployed.");
        }

        return currentDigest != request.Digest
            ? DomainError.Conflict(
                $"The artifact of {request.Model}@{request.Version} is no longer {request.Digest}, which the approvals were given for; request the promotion again.")
            : null;
    }

    /// <summary>
    /// The deployment (<see cref="Check"/> has let it through): the gates are checked again (a failure is recorded and
    /// refused with 422); the version that ran in the stage becomes its fallback.
    /// </summary>
    public static Plan Decide(string id, Promotion state, Deployment? stage, GateFacts gateFacts, Instant now, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(state);
        var request = state.Request;
        var gates = Gates.Evaluate(request.Policy, gateFacts, now);
        if (!Gates.Passed(gates))
        {
            var failed = gates.Where(g => !g.Passed).ToList();
            return new Plan([new PromotionGatesEvaluated(id, GatePhase.Deployment, false, gates, now, request.Model)], [],
                new DomainError(StatusCodes.Status422UnprocessableEntity, "Gate failed",
                    $"Promotion '{id}' cannot be deployed: {string.Join("; ", failed.Select(g => $"{g.Name}: {g.Detail}"))}",
                    failed.ToDictionary(g => g.Name, g => new[] { g.Detail })),
                failed);
        }

        var previous = stage?.Current?.Version;
        var approvedBy = state.ValidApprovals.Select(a => a.By).ToList();
        return new Plan(
            [
                new PromotionGatesEvaluated(id, GatePhase.Deployment, true, gates, now, request.Model),
                new PromotionDeployed(id, request.Model, request.Version, request.TargetStage, previous, approvedBy, actor.Name, now),
            ],
            [new VersionDeployed(request.Model, request.TargetStage, request.Version, id, approvedBy, request.TrafficPercent, previous, previous, actor.Name, now)],
            null);
    }

    /// <summary>
    /// Decides the deployment of <paramref name="state"/> (the promotion as the command sees it, approved with the artifact
    /// it was approved for: the caller's <c>Validate</c> made sure) in the command's session: the stage's deployment stream
    /// is loaded under its lock and gets its events here; the promotion's events are returned for the caller to append to
    /// the promotion stream it holds.
    /// </summary>
    public static async Task<Deployed> DeployAsync(
        string id, Promotion state, IDocumentSession session, PromotionLookups lookups, Instant now, Actor actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(lookups);
        var request = state.Request;
        var stage = await session.Events.FetchForExclusiveWriting<Folded<Deployment>>(Deployment.StreamId(request.Model, request.TargetStage), ct);
        var gateFacts = await lookups.GatesAsync(request.Model, request.Version, request.FromStage, request.TargetStage, request.Policy.RequiredSuites, ct);
        var plan = Decide(id, state, stage.Aggregate?.State, gateFacts, now, actor);
        if (plan.DeploymentEvents.Count > 0)
        {
            stage.AppendMany([.. plan.DeploymentEvents]);
        }

        if (plan.PromotionEvents.Count > 0 && plan.Error is null)
        {
            GovernanceTelemetry.Promotions.Add(1, new KeyValuePair<string, object?>("outcome", "deployed"));
        }

        return new Deployed(plan, StreamCommand.Fold(Promotion.StreamId(id), state, plan.PromotionEvents));
    }

    /// <summary>A deployment decided in a command's session: the plan, and the promotion after its events.</summary>
    public sealed record Deployed(Plan Plan, Promotion After);

    /// <summary>The refusal of a deployment as a response: with the failing gates when gates refused it.</summary>
    public static IResult Problem(DomainError error, IReadOnlyList<Gate>? failedGates)
    {
        ArgumentNullException.ThrowIfNull(error);
        return failedGates is { } failed
            ? Results.Problem(statusCode: error.Status, title: error.Title, detail: error.Detail,
                extensions: new Dictionary<string, object?> { ["errors"] = error.Errors, ["gates"] = failed })
            : error.ToResult();
    }
}

/// <summary>POST /api/v1/promotions/{id}/deployment.</summary>
public static class DeployPromotionEndpoint
{
    /// <summary>The promotion's stream.</summary>
    public static string StreamOf(string id) => Promotion.StreamId(id);

    /// <summary>Deployments bind to the artifact: its digest as registered now.</summary>
    public static async Task<CurrentDigest> LoadAsync(IEventStream<Folded<Promotion>> promotion, PromotionLookups lookups, CancellationToken ct) =>
        new(promotion.Aggregate?.State is { } state ? await lookups.DigestAsync(state.Request.Model, state.Request.Version, ct) : null);

    /// <summary>Refuses with problem details before anything is appended.</summary>
    public static ProblemDetails Validate(string id, CurrentDigest digest, IEventStream<Folded<Promotion>> promotion, HttpContext http) =>
        StreamRules.Check(http, promotion, (state, _) => DeployPromotion.Check(id, digest.Value, state));

    /// <summary>Deploys the approved promotion; a gate that fails now is recorded on the promotion and refused with 422.</summary>
    [WolverinePost("/api/v1/promotions/{id}/deployment")]
    public static async Task<(IResult, Events)> Post(
        string id,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Promotion>> promotion,
        IDocumentSession session, PromotionLookups lookups, HttpContext http, IClock clock, CancellationToken ct)
    {
        var version = promotion.StartingVersion ?? 0;
        var deployed = await DeployPromotion.DeployAsync(id, promotion.Aggregate!.State, session, lookups, clock.GetCurrentInstant(), Actor.From(http.User), ct);
        var plan = deployed.Plan;
        var after = new Versioned(plan.Error is { } error
            ? DeployPromotion.Problem(error, plan.FailedGates)
            : Results.Ok(PromotionOutcome.Of(deployed.After)), version + plan.PromotionEvents.Count);
        if (plan.Error is null)
        {
            GovernanceTelemetry.Commands.Add(1, new KeyValuePair<string, object?>("command", nameof(DeployPromotion)));
        }

        return (after, [.. plan.PromotionEvents]);
    }

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.Metadata
            .RequireRole(Roles.Contributor)
            .WithTags("Promotions").WithName(nameof(DeployPromotion))
            .WithSummary("Deploy an approved promotion: gates are checked again (422 when one fails now); the stage's previous version becomes its fallback.")
            .Produces<PromotionOutcome>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
    }
}
