using Governance.Api.Models;
using Governance.EventLog;
using NodaTime;

namespace Governance.Api.Promotions;

/// <summary>Where a promotion stands.</summary>
public static class PromotionStatus
{
    /// <summary>Gates passed at request; waiting for approvals.</summary>
    public const string Pending = "pending";

    /// <summary>A gate failed at request; it can only be withdrawn (fix the cause and request again).</summary>
    public const string Blocked = "blocked";

    /// <summary>Enough approvals; waiting to be deployed.</summary>
    public const string Approved = "approved";

    /// <summary>Deployed into the target stage.</summary>
    public const string Deployed = "deployed";

    /// <summary>Rejected by an approver; final.</summary>
    public const string Rejected = "rejected";

    /// <summary>Withdrawn by the requester; final.</summary>
    public const string Withdrawn = "withdrawn";

    /// <summary>Every status.</summary>
    public static IReadOnlyList<string> All { get; } = [Pending, Blocked, Approved, Deployed, Rejected, Withdrawn];
}

/// <summary>One gate's outcome: <c>suite:{name}</c>, <c>regression:{suite}</c>, <c>incidents</c> or <c>soak</c>.</summary>
public sealed record Gate(string Name, bool Passed, string Detail);

/// <summary>
/// Someone asked to move a version into a stage, with evidence. The policy revision it is judged by, the version's
/// artifact digest and registrant are captured now, so later changes cannot rewrite what was asked.
/// </summary>
public sealed record PromotionRequested(
    string Id, string Model, string Version, string FromStage, string TargetStage, IReadOnlyList<string> SkippedStages, string? SkipReason,
    int? TrafficPercent, string Justification, IReadOnlyList<string> Evidence, string Digest, string VersionRegisteredBy,
    int PolicyRevision, StagePolicy Policy, string RequestedBy, Instant RequestedAt);

/// <summary>The gates were evaluated (phase "request" or "deployment").</summary>
public sealed record PromotionGatesEvaluated(string Id, string Phase, bool Passed, IReadOnlyList<Gate> Gates, Instant EvaluatedAt, string? Model = null);

/// <summary>One approver approved, bound to the artifact digest they saw.</summary>
public sealed record PromotionApproved(string Id, string ApprovedBy, string? Comment, string Digest, Instant ApprovedAt, string? Model = null);

/// <summary>An approver rejected the promotion; it is over.</summary>
public sealed record PromotionRejected(string Id, string RejectedBy, string Reason, Instant RejectedAt, string? Model = null);

/// <summary>The requester withdrew the promotion; it is over.</summary>
public sealed record PromotionWithdrawn(string Id, string WithdrawnBy, string Reason, Instant WithdrawnAt, string? Model = null);

/// <summary>The promotion was deployed (with version_deployed on the stage's deployment stream, in one unit of work).</summary>
public sealed record PromotionDeployed(
    string Id, string Model, string Version, string Stage, string? Previous, IReadOnlyList<string> ApprovedBy, string DeployedBy, Instant DeployedAt);

/// <summary>An approval as kept in the state.</summary>
public sealed record Approval(string By, string? Comment, string Digest, Instant At);

/// <summary>The state of a promotion stream.</summary>
public sealed record Promotion(
    PromotionRequested Request, string Status, IReadOnlyList<Gate> Gates, IReadOnlyList<Approval> Approvals,
    string? EndedBy, string? EndReason, Instant? EndedAt) : IStreamState<Promotion>
{
    /// <summary>The stream type.</summary>
    public const string StreamType = "promotion";

    /// <summary>The stream id of a promotion.</summary>
    public static string StreamId(string id) => $"promotion-{id}";

    /// <summary>A new promotion id: a UUIDv7 (time-ordered) as 32 hex digits.</summary>
    public static string NewId(Instant now) => Guid.CreateVersion7(now.ToDateTimeOffset()).ToString("N");

    /// <inheritdoc />
    public static Promotion Initial { get; } = new(null!, "", [], [], null, null, null);

    /// <summary>The approvals that count: those given for the artifact that was requested.</summary>
    public IReadOnlyList<Approval> ValidApprovals => [.. Approvals.Where(a => a.Digest == Request.Digest)];

    /// <summary>How many more approvals are needed.</summary>
    public int MissingApprovals => Math.Max(0, Request.Policy.RequiredApprovals - ValidApprovals.Count);

    /// <inheritdoc />
    public Promotion Evolve(StoredEvent @event) => @event.Data switch
    {
        PromotionRequested r => new Promotion(r, PromotionStatus.Pending, [], [], null, null, null),
        PromotionGatesEvaluated { Phase: GatePhase.Request } g => this with { Gates = g.Gates, Status = g.Passed ? Status : PromotionStatus.Blocked },
        PromotionGatesEvaluated g => this with { Gates = g.Gates },
        PromotionApproved a => Approve(new Approval(a.ApprovedBy, a.Comment, a.Digest, a.ApprovedAt)),
        PromotionRejected r => this with { Status = PromotionStatus.Rejected, EndedBy = r.RejectedBy, EndReason = r.Reason, EndedAt = r.RejectedAt },
        PromotionWithdrawn w => this with { Status = PromotionStatus.Withdrawn, EndedBy = w.WithdrawnBy, EndReason = w.Reason, EndedAt = w.WithdrawnAt },
        PromotionDeployed d => this with { Status = PromotionStatus.Deployed, EndedBy = d.DeployedBy, EndedAt = d.DeployedAt },
        _ => this,
    };

    private Promotion Approve(Approval approval)
    {
        var next = this with { Approvals = [.. Approvals, approval] };
        return next.Status == PromotionStatus.Pending && next.MissingApprovals == 0 ? next with { Status = PromotionStatus.Approved } : next;
    }

    /// <summary>Registers the stream's events.</summary>
    public static void RegisterEvents(EventTypeRegistry registry) => registry
        .Register<PromotionRequested>().Register<PromotionGatesEvaluated>().Register<PromotionApproved>()
        .Register<PromotionRejected>().Register<PromotionWithdrawn>().Register<PromotionDeployed>();
}

/// <summary>When gates are evaluated.</summary>
public static class GatePhase
{
    /// <summary>At request.</summary>
    public const string Request = "request";

    /// <summary>Again, just before deployment.</summary>
    public const string Deployment = "deployment";
}
