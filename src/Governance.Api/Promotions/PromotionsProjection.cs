using Governance.EventLog;
using Governance.EventLog.Projections;

namespace Governance.Api.Promotions;

/// <summary>Keeps governance.promotions (lists and the approval inbox) in step with promotion streams, in the append transaction.</summary>
public sealed class PromotionsProjection : IInlineProjection
{
    /// <inheritdoc />
    public IReadOnlyList<string> Tables { get; } = ["governance.promotions"];

    /// <inheritdoc />
    public Task ApplyAsync(ProjectionContext context, IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        foreach (var @event in events)
        {
            switch (@event.Data)
            {
                case PromotionRequested r:
                    context.Enqueue(
                        "INSERT INTO governance.promotions (id, model, version, from_stage, target_stage, status, requested_by, requested_at, " +
                        "version_registered_by, policy_revision, required_approvals, approver_roles, allow_self_approval, gates_passed, updated_at) " +
                        "VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8, $9, $10, $11, $12, true, $7)",
                        r.Id, r.Model, r.Version, r.FromStage, r.TargetStage, r.RequestedBy, r.RequestedAt.ToDateTimeUtc(), r.VersionRegisteredBy,
                        r.PolicyRevision, r.Policy.RequiredApprovals, r.Policy.ApproverRoles.ToArray(), r.Policy.AllowSelfApproval);
                    break;
                case PromotionGatesEvaluated g:
                    context.Enqueue(
                        "UPDATE governance.promotions SET gates_passed = $2, updated_at = $3, " +
                        "status = CASE WHEN $4 AND NOT $2 AND status = 'pending' THEN 'blocked' ELSE status END WHERE id = $1",
                        g.Id, g.Passed, g.EvaluatedAt.ToDateTimeUtc(), g.Phase == GatePhase.Request);
                    break;
                case PromotionApproved a:
                    context.Enqueue(
                        "UPDATE governance.promotions SET approved_by = array_append(approved_by, $2), updated_at = $3, " +
                        "status = CASE WHEN status = 'pending' AND cardinality(approved_by) + 1 >= required_approvals THEN 'approved' ELSE status END " +
                        "WHERE id = $1", a.Id, a.ApprovedBy, a.ApprovedAt.ToDateTimeUtc());
                    break;
                case PromotionRejected r:
                    SetStatus(context, r.Id, PromotionStatus.Rejected, r.RejectedAt.ToDateTimeUtc());
                    break;
                case PromotionWithdrawn w:
                    SetStatus(context, w.Id, PromotionStatus.Withdrawn, w.WithdrawnAt.ToDateTimeUtc());
                    break;
                case PromotionDeployed d:
                    SetStatus(context, d.Id, PromotionStatus.Deployed, d.DeployedAt.ToDateTimeUtc());
                    break;
            }
        }

        return Task.CompletedTask;
    }

    private static void SetStatus(ProjectionContext context, string id, string status, DateTime at) =>
        context.Enqueue("UPDATE governance.promotions SET status = $2, updated_at = $3 WHERE id = $1", id, status, at);
}
