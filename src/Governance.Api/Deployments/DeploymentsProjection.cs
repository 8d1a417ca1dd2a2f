using Governance.EventLog;
using Governance.EventLog.Projections;

namespace Governance.Api.Deployments;

/// <summary>
/// Keeps governance.current_deployments and the interval table governance.deployment_intervals in step with deployment
/// streams, in the append transaction. Intervals take their bounds from the events' decision times (the injected clock),
/// not from the database clock, so "what ran at T" agrees with the log.
/// </summary>
public sealed class DeploymentsProjection : IInlineProjection
{
    /// <inheritdoc />
    public IReadOnlyList<string> Tables { get; } = ["governance.current_deployments", "governance.deployment_intervals"];

    /// <inheritdoc />
    public Task ApplyAsync(ProjectionContext context, IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        foreach (var @event in events)
        {
            switch (@event.Data)
            {
                case VersionDeployed d:
                    context.Enqueue(
                        "UPDATE governance.deployment_intervals SET \"to\" = $3 WHERE model = $1 AND stage = $2 AND \"to\" IS NULL",
                        d.Model, d.Stage, d.DeployedAt.ToDateTimeUtc());
                    Enter(context, d.Model, d.Stage, d.Version, d.DeployedAt.ToDateTimeUtc(), Via.Promotion, d.PromotionId, d.ApprovedBy, d.Fallback, d.TrafficPercent);
                    break;
                case VersionRolledBack r:
                    context.Enqueue(
                        "UPDATE governance.deployment_intervals SET \"to\" = $3, rolled_back = true, rollback_reason = $4, incident_id = $5 " +
                        "WHERE model = $1 AND stage = $2 AND \"to\" IS NULL",
                        r.Model, r.Stage, r.RolledBackAt.ToDateTimeUtc(), r.Reason, r.IncidentId);
                    // Nobody approved going back: the row says a rollback put the version there, not the promotion that first did.
                    Enter(context, r.Model, r.Stage, r.ToVersion, r.RolledBackAt.ToDateTimeUtc(), Via.Rollback, null, [], r.Fallback, null);
                    break;
                case FallbackDesignated f:
                    context.Enqueue("UPDATE governance.current_deployments SET fallback = $3 WHERE model = $1 AND stage = $2",
                        f.Model, f.Stage, f.Version);
                    context.Enqueue(
                        "UPDATE governance.deployment_intervals SET fallback = $3 WHERE model = $1 AND stage = $2 AND \"to\" IS NULL",
                        f.Model, f.Stage, f.Version);
                    break;
            }
        }

        return Task.CompletedTask;
    }

    private static void Enter(
        ProjectionContext context, string model, string stage, string version, DateTime at, string via, string? promotionId, IReadOnlyList<string> approvedBy,
        string? fallback, int? trafficPercent)
    {
        context.Enqueue(
            "INSERT INTO governance.deployment_intervals (model, stage, version, \"from\", via, promotion_id, approved_by, fallback, traffic_percent) " +
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            model, stage, version, at, via, promotionId, approvedBy.ToArray(), fallback, trafficPercent);
        context.Enqueue(
            "INSERT INTO governance.current_deployments (model, stage, version, since, via, promotion_id, approved_by, fallback) " +
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) " +
            "ON CONFLICT (model, stage) DO UPDATE SET version = excluded.version, since = excluded.since, via = excluded.via, " +
            "promotion_id = excluded.promotion_id, approved_by = excluded.approved_by, fallback = excluded.fallback",
            model, stage, version, at, via, promotionId, approvedBy.ToArray(), fallback);
    }
}
