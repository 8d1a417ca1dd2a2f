using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Telemetry;
using Governance.Api.Core.Validation;
using Governance.EventLog;
using Governance.EventLog.Streams;
using JasperFx.Events;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;
using NodaTime;

namespace Governance.Api.Promotions;

/// <summary>Approve a pending promotion, optionally with a comment.</summary>
public sealed record ApprovePromotion(string? Comment)
{
    /// <summary>Shape rules.</summary>
    public sealed class Validator : AbstractValidator<ApprovePromotion>
    {
        public Validator() => RuleFor(c => c.Comment).IsText(5000);
    }

    /// <summary>
    /// State rules: only a pending promotion takes approvals; neither the requester nor the version's registrant may
    /// approve unless the policy allows it; the approver holds one of the policy's roles; one approval per person; the
    /// approval binds to the artifact digest, which must still be the one requested.
    /// </summary>
    public static DomainError? Check(string id, string? currentDigest, Promotion? state, Actor actor)
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

        return currentDigest != request.Digest
            ? DomainError.Conflict(
                $"The artifact of {request.Model}@{request.Version} is no longer {request.Digest}; approvals are bound to it, so request the promotion again.")
            : null;
    }

    /// <summary>The approval, bound to the digest requested (<see cref="Check"/> has let it through).</summary>
    public static IReadOnlyList<object> Decide(ApprovePromotion command, string id, Promotion state, Instant now, Actor actor) =>
        [new PromotionApproved(id, actor.Name, command.Comment, state.Request.Digest, now, state.Request.Model)];
}

/// <summary>The digest of the promotion's model version as registered now (null when the promotion is unknown).</summary>
public sealed record CurrentDigest(string? Value);

/// <summary>POST /api/v1/promotions/{id}/approvals.</summary>
public static class ApprovePromotionEndpoint
{
    /// <summary>The promotion's stream.</summary>
    public static string StreamOf(string id) => Promotion.StreamId(id);

    /// <summary>Approvals bind to the artifact: its digest as registered now.</summary>
    public static async Task<CurrentDigest> LoadAsync(IEventStream<Folded<Promotion>> promotion, PromotionLookups lookups, CancellationToken ct) =>
        new(promotion.Aggregate?.State is { } state ? await lookups.DigestAsync(state.Request.Model, state.Request.Version, ct) : null);

    /// <summary>Refuses with problem details before anything is appended.</summary>
    public static ProblemDetails Validate(string id, CurrentDigest digest, IEventStream<Folded<Promotion>> promotion, HttpContext http) =>
        StreamRules.Check(http, promotion, (state, actor) => ApprovePromotion.Check(id, digest.Value, state, actor));

    /// <summary>
    /// Records the approval. Concurrent approvers queue on the promotion's lock and each decides on what the previous one
    /// recorded. The final approval of an auto-deploying stage deploys in the same transaction; if a gate fails then,
    /// the promotion stays approved and the answer lists the failing gates.
    /// </summary>
    [WolverinePost("/api/v1/promotions/{id}/approvals")]
    public static async Task<(IResult, Events)> Post(
        ApprovePromotion command, string id,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Promotion>> promotion,
        IDocumentSession session, PromotionLookups lookups, HttpContext http, IClock clock, CancellationToken ct)
    {
        var decided = StreamCommand.Run(http, promotion, clock, nameof(ApprovePromotion),
            (state, now, actor) => ApprovePromotion.Decide(command, id, state!, now, actor));
        var approved = decided.After!;
        if (approved.Status != PromotionStatus.Approved)
        {
            return (new Versioned(Results.Ok(PromotionOutcome.Of(approved)), decided.Version), [.. decided.Events]);
        }

        GovernanceTelemetry.Promotions.Add(1, new KeyValuePair<string, object?>("outcome", "approved"));
        if (!approved.Request.Policy.AutoDeploy)
        {
            return (new Versioned(Results.Ok(PromotionOutcome.Of(approved)), decided.Version), [.. decided.Events]);
        }

        var deployed = await DeployPromotion.DeployAsync(id, approved, session, lookups, clock.GetCurrentInstant(), Actor.From(http.User), ct);
        return (new Versioned(Results.Ok(PromotionOutcome.Of(deployed.After, deployed.Plan.FailedGates)), decided.Version + deployed.Plan.PromotionEvents.Count),
            [.. decided.Events, .. deployed.Plan.PromotionEvents]);
    }

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.Metadata
            .RequireRole(Roles.Viewer)
            .WithTags("Promotions").WithName(nameof(ApprovePromotion))
            .WithSummary("Approve a pending promotion (separation of duties, approver roles and one approval per person are enforced).")
            .Produces<PromotionOutcome>()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
    }
}
