using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Telemetry;
using Governance.Api.Deployments;
using Governance.EventLog;
using NodaTime;

namespace Governance.Api.Promotions;

/// <summary>Deploy an approved promotion into its target stage (the body is an empty object).</summary>
public sealed record DeployPromotion
{
    private const int Attempts = 5;

    /// <summary>What deploying decided: events for the promotion stream and for the stage's deployment stream, and the refusal if any.</summary>
    public sealed record Plan(IReadOnlyList<object> PromotionEvents, IReadOnlyList<object> DeploymentEvents, DomainError? Error, IReadOnlyList<Gate>? FailedGates = null);

    /// <summary>What running the deployment gave: the promotion afterwards, the refusal, the failing gates.</summary>
    public sealed record Result(Promotion? State, DomainError? Error, IReadOnlyList<Gate>? FailedGates, long Version);

    /// <summary>
    /// Pure decision: only an approved promotion deploys, with the artifact it was approved for; the gates are checked
    /// again (a failure is recorded and refused with 422); the version that ran in the stage becomes its fallback.
    /// </summary>
    public static Plan Decide(string id, Promotion? state, Deployment? stage, string? currentDigest, GateFacts? gateFacts, Instant now, Actor actor)
    {
        if (state is null)
        {
            return Refuse(DomainError.NotFound($"No promotion '{id}'."));
        }

        var request = state.Request;
        if (state.Status != PromotionStatus.Approved)
        {
            return Refuse(DomainError.Conflict(state.Status == PromotionStatus.Pending
                ? $"Promotion '{id}' still needs {state.MissingApprovals} approval(s) before it can be deployed."
                : $"Promotion '{id}' is {state.Status}; only approved promotions are deployed."));
        }

        if (currentDigest != request.Digest)
        {
            return Refuse(DomainError.Conflict(
                $"The artifact of {request.Model}@{request.Version} is no longer {request.Digest}, which the approvals were given for; request the promotion again."));
        }

        ArgumentNullException.ThrowIfNull(gateFacts);
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

    private static Plan Refuse(DomainError error) => new([], [], error);

    /// <summary>
    /// Reads, decides and appends to the promotion and the deployment stream in one unit of work, retrying on fresh
    /// state when another writer got there first.
    /// </summary>
    public static async Task<Result> RunAsync(HttpContext http, string id, IEventStore store, PromotionLookups lookups, IClock clock, CancellationToken ct)
    {
        var actor = Actor.From(http.User);
        for (var attempt = 1; ; attempt++)
        {
            var promotion = await store.AggregateStreamAsync<Promotion>(Promotion.StreamId(id), ct: ct);
            if (promotion is null)
            {
                return new Result(null, DomainError.NotFound($"No promotion '{id}'."), null, 0);
            }

            var request = promotion.State.Request;
            var stageStream = Deployment.StreamId(request.Model, request.TargetStage);
            var stage = await store.AggregateStreamAsync<Deployment>(stageStream, ct: ct);
            var digest = await lookups.DigestAsync(request.Model, request.Version, ct);
            var gateFacts = promotion.State.Status == PromotionStatus.Approved
                ? await lookups.GatesAsync(request.Model, request.Version, request.FromStage, request.TargetStage, request.Policy.RequiredSuites, ct)
                : null;
            var plan = Decide(id, promotion.State, stage?.State, digest, gateFacts, clock.GetCurrentInstant(), actor);
            if (plan.PromotionEvents.Count == 0)
            {
                return new Result(promotion.State, plan.Error, null, promotion.Version);
            }

            var appends = new List<StreamAppend> { new(Promotion.StreamId(id), Promotion.StreamType, ExpectedVersion.Exactly(promotion.Version), plan.PromotionEvents) };
            if (plan.DeploymentEvents.Count > 0)
            {
                appends.Add(new StreamAppend(stageStream, Deployment.StreamType,
                    stage is null ? ExpectedVersion.NoStream : ExpectedVersion.Exactly(stage.Version), plan.DeploymentEvents));
            }

            try
            {
                var appended = await store.AppendAsync(appends, CommandExecutor.Metadata(http, actor), ct);
                var version = appended.VersionOf(Promotion.StreamId(id));
                var after = promotion.State;
                foreach (var @event in appended.Events.Where(e => e.StreamId == Promotion.StreamId(id)))
                {
                    after = after.Evolve(@event);
                }

                if (plan.Error is null)
                {
                    GovernanceTelemetry.Promotions.Add(1, new KeyValuePair<string, object?>("outcome", "deployed"));
                }

                return new Result(after, plan.Error, plan.FailedGates, version);
            }
            catch (ConcurrencyException) when (attempt < Attempts)
            {
                // A concurrent deployment or rollback of the stage, or an event on the promotion: decide again.
            }
        }
    }

    /// <summary>POST /api/v1/promotions/{id}/deployment.</summary>
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapPost("/promotions/{id}/deployment", async (string id, HttpContext http, IEventStore store, PromotionLookups lookups, IClock clock, CancellationToken ct) =>
            {
                using var activity = GovernanceTelemetry.ActivitySource.StartActivity(nameof(DeployPromotion));
                activity?.SetTag("governance.command", nameof(DeployPromotion));
                activity?.SetTag("governance.stream.id", Promotion.StreamId(id));
                var result = await RunAsync(http, id, store, lookups, clock, ct);
                if (result.Version > 0)
                {
                    http.Response.Headers.ETag = $"\"{result.Version}\"";
                }

                if (result.Error is { } error)
                {
                    return result.FailedGates is { } failed
                        ? Results.Problem(statusCode: error.Status, title: error.Title, detail: error.Detail,
                            extensions: new Dictionary<string, object?> { ["errors"] = error.Errors, ["gates"] = failed })
                        : error.ToResult();
                }

                GovernanceTelemetry.Commands.Add(1, new KeyValuePair<string, object?>("command", nameof(DeployPromotion)));
                return Results.Ok(PromotionOutcome.Of(result.State!));
            })
            .RequireRole(Roles.Contributor)
            .WithTags("Promotions").WithName(nameof(DeployPromotion))
            .WithSummary("Deploy an approved promotion: gates are checked again (422 when one fails now); the stage's previous version becomes its fallback.")
            .Produces<PromotionOutcome>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
}
