using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace Governance.Api.Alerts;

/// <summary>
/// governance.alert_noise, after commit, on Marten's daemon: one row per alert with its rule, team, when it fired and
/// whether it was acknowledged as actionable, which is what the noise report and the shift report count. No command
/// reads it: an alert's identity and state (dedup, status) are <see cref="AlertsProjection"/>'s, inline.
/// </summary>
/// <remarks>
/// Every write is queued into the daemon's batch, so it commits with the projection's progress or not at all. The writes
/// are idempotent and total, and an event that cannot be applied is logged and passed over: Marten pauses a raw
/// projection that throws, and one bad event must not hold back every rule's figures.
/// </remarks>
public sealed class AlertNoiseProjection(ILogger<AlertNoiseProjection> logger) : IProjection
{
    /// <summary>The projection's name in Marten (progress, rebuild): its class name.</summary>
    public const string ProjectionName = nameof(AlertNoiseProjection);

    /// <summary>The tables it writes; a rebuild (Marten's teardown) empties them first.</summary>
    public static IReadOnlyList<string> Tables { get; } = ["governance.alert_noise"];

    /// <inheritdoc />
    public Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        foreach (var @event in events)
        {
            try
            {
                Apply(operations, @event.Data);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Alert noise: event {Sequence} ({Type}) could not be applied; passed over", @event.Sequence, @event.EventTypeName);
            }
        }

        return Task.CompletedTask;
    }

    private static void Apply(IDocumentOperations operations, object data)
    {
        switch (data)
        {
            case AlertFired f:
                // Its repeats are the same alert and count once.
                operations.QueueSqlCommand(
                    "INSERT INTO governance.alert_noise (alert_id, rule, team, fired_at) VALUES (?, ?, NULLIF(?, ''), ?) ON CONFLICT (alert_id) DO NOTHING",
                    f.Id, f.Rule, f.Team ?? "", f.FiredAt);
                break;
            case AlertAcknowledged a:
                operations.QueueSqlCommand("UPDATE governance.alert_noise SET acknowledged_at = ?, acknowledged_by = ?, actionable = ? WHERE alert_id = ?",
                    a.AcknowledgedAt, a.AcknowledgedBy, a.Actionable, a.Id);
                break;
            case AlertEscalated e:
                // Escalating is the strongest "this was actionable": it counts as an actionable acknowledgement if none came first.
                operations.QueueSqlCommand(
                    "UPDATE governance.alert_noise SET acknowledged_at = coalesce(acknowledged_at, ?), acknowledged_by = coalesce(acknowledged_by, ?), " +
                    "actionable = coalesce(actionable, true) WHERE alert_id = ?",
                    e.EscalatedAt, e.EscalatedBy, e.Id);
                break;
        }
    }
}
