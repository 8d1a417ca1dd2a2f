using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Telemetry;
using Governance.Api.Core.Validation;
using Governance.EventLog;
using NodaTime;

namespace Governance.Api.Promotions;

/// <summary>Approve a pending promotion, optionally with a comment.</summary>
public sealed record ApprovePromotion(string? Comment)
{
    /// <summary>Approvals race (many approvers at once); each retries on fresh state until it is recorded or refused.</summary>
    public const int Attempts = 200;

    /// <summary>Shape rules.</summary>
    public sealed class Validator : AbstractValidator<ApprovePromotion>
    {
        public Validator() => RuleFor(c => c.Comment).IsText(5000);
    }

    /// <summary>
    /// Pure decision: only a pending promotion takes approvals; neither the requester nor the version's registrant may
    /// approve unless the policy allows it; the approver holds one of the policy's roles; one approval per person; the
    /// approval binds to the artifact digest, which must still be the one requested.
    /// </summary>
    public static Decision Decide(ApprovePromotion command, string id, string? currentDigest, Promotion? state, Instant now, Actor actor)
    {
        if (state is null)
        {
            return DomainError.NotFound($"No promotion '{id}'.");
        }

        if (state.Status != PromotionStatus.Pending)
        {
            return DomainError.Conflict($"Promotion '{id}' is {state.Status}; only pending promotions take approvals.");
        }

        var request = state.Request;
        if (!request.Policy.AllowSelfApproval)
        {
            if (actor.Name == request.RequestedBy)
            {
                return DomainError.Forbidden("You requested this promotion; someone else must approve it (separation of duties).");
            }

            if (actor.Name == request.VersionRegisteredBy)
            {
                return DomainError.Forbidden($"You registered {request.Model}@{request.Version}; someone else must approve it (separation of duties).");
            }
        }

        if (!request.Policy.ApproverRoles.Any(actor.Has))
        {
            return DomainError.Forbidden(
                $"Approving promotions to '{request.TargetStage}' needs one of the roles {string.Join(", ", request.Policy.ApproverRoles)} (policy revision {request.PolicyRevision}).");
        }

        if (state.Approvals.Any(a => a.By == actor.Name))
        {
            return DomainError.Conflict($"{actor.Name} has already approved promotion '{id}'.");
        }

        if (currentDigest != request.Digest)
        {
            return DomainError.Conflict(
                $"The artifact of {request.Model}@{request.Version} is no longer {request.Digest}; approvals are bound to it, so request the promotion again.");
        }

        return Decision.Accept(new PromotionApproved(id, actor.Name, command.Comment, request.Digest, now, request.Model));
    }

    /// <summary>POST /api/v1/promotions/{id}/approvals.</summary>
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapPost("/promotions/{id}/approvals", async (string id, ApprovePromotion command, HttpContext http, CommandExecutor executor,
                IEventStore store, PromotionLookups lookups, IClock clock, CancellationToken ct) =>
            {
                var current = await store.AggregateStreamAsync<Promotion>(Promotion.StreamId(id), ct: ct);
                var digest = current is null ? null : await lookups.DigestAsync(current.State.Request.Model, current.State.Request.Version, ct);
                var outcome = await executor.ExecuteAsync<Promotion>(http, nameof(ApprovePromotion), Promotion.StreamId(id), Promotion.StreamType,
                    (state, now, actor) => Decide(command, id, digest, state, now, actor), ct, Attempts);
                if (!outcome.Succeeded)
                {
                    return outcome.Error!.ToResult();
                }

                var state = (await store.AggregateStreamAsync<Promotion>(Promotion.StreamId(id), ct: ct))!.State;
                if (state.Status != PromotionStatus.Approved)
                {
                    return Results.Ok(PromotionOutcome.Of(state));
                }

                GovernanceTelemetry.Promotions.Add(1, new KeyValuePair<string, object?>("outcome", "approved"));
                if (!state.Request.Policy.AutoDeploy)
                {
                    return Results.Ok(PromotionOutcome.Of(state));
                }

                // The final approval of an auto-deploying stage deploys at once; if a gate fails now, the promotion stays approved.
                var deployed = await DeployPromotion.RunAsync(http, id, store, lookups, clock, ct);
                return Results.Ok(deployed.State is { } after ? PromotionOutcome.Of(after, deployed.FailedGates) : PromotionOutcome.Of(state));
            })
            .Validate<ApprovePromotion>()
            .RequireRole(Roles.Viewer)
            .WithTags("Promotions").WithName(nameof(ApprovePromotion))
            .WithSummary("Approve a pending promotion (separation of duties, approver roles and one approval per person are enforced).")
            .Produces<PromotionOutcome>()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
}
