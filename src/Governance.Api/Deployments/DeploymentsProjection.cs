using Governance.EventStore;
using Governance.EventStore.Projections;

namespace Governance.Api.Deployments;

/// <summary>
/// Keeps governance.current_deployments and the interval table governance.deployment_intervals in step with deployment
/// streams, in the append transaction. Intervals take their bounds from the events' decision times (the injected clock),
/// not from the database clock, so "what ran at T" agrees with the log.
/// </summary>
public sealed class DeploymentsProjection : IInlineProjection
{
    /// <inheritdoc />
    public async Task ApplyAsync(ProjectionContext context, IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        foreach (var @event in events)
        {
            switch (@event.Data)
            {
                case VersionDeployed d:
                    await context.ExecuteAsync(
                        "UPDATE governance.deployment_intervals SET \"to\" = $3 WHERE model = $1 AND stage = $2 AND \"to\" IS NULL",
                        ct, d.Model, d.Stage, d.DeployedAt.ToDateTimeUtc());
                    await EnterAsync(context, d.Model, d.Stage, d.Version, d.DeployedAt.ToDateTimeUtc(), d.PromotionId, d.ApprovedBy, d.Fallback, d.TrafficPercent, ct);
                    break;
                case VersionRolledBack r:
                    await context.ExecuteAsync(
                        "UPDATE governance.deployment_intervals SET \"to\" = $3, rolled_back = true, rollback_reason = $4, incident_id = $5 " +
                        "WHERE model = $1 AND stage = $2 AND \"to\" IS NULL",
                        ct, r.Model, r.Stage, r.RolledBackAt.ToDateTimeUtc(), r.Reason, r.IncidentId);
                    await EnterAsync(context, r.Model, r.Stage, r.ToVersion, r.RolledBackAt.ToDateTimeUtc(), r.ToPromotionId, r.ToApprovedBy, r.Fallback, null, ct);
                    break;
                case FallbackDesignated f:
                    await context.ExecuteAsync("UPDATE governance.current_deployments SET fallback = $3 WHERE model = $1 AND stage = $2", ct, f.Model, f.Stage, f.Version);
                    await context.ExecuteAsync(
                        "UPDATE governance.deployment_intervals SET fallback = $3 WHERE model = $1 AND stage = $2 AND \"to\" IS NULL", ct, f.Model, f.Stage, f.Version);
                    break;
            }
        }
    }

    private static async Task EnterAsync(
        ProjectionContext context, string model, string stage, string version, DateTime at, string? promotionId, IReadOnlyList<string> approvedBy,
        string? fallback, int? trafficPercent, CancellationToken ct)
    {
        await context.ExecuteAsync(
            "INSERT INTO governance.deployment_intervals (model, stage, version, \"from\", promotion_id, approved_by, fallback, traffic_percent) " +
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            ct, model, stage, version, at, promotionId, approvedBy.ToArray(), fallback, trafficPercent);
        await context.ExecuteAsync(
            "INSERT INTO governance.current_deployments (model, stage, version, since, promotion_id, approved_by, fallback) " +
            "VALUES ($1, $2, $3, $4, $5, $6, $7) " +
            "ON CONFLICT (model, stage) DO UPDATE SET version = excluded.version, since = excluded.since, promotion_id = excluded.promotion_id, " +
            "approved_by = excluded.approved_by, fallback = excluded.fallback",
            ct, model, stage, version, at, promotionId, approvedBy.ToArray(), fallback);
    }
}
