using JasperFx.Events;
using Marten;
using Governance.Api.Core.Storage;

namespace Governance.Api.Alerts;

/// <summary>
/// governance.alert_noise, after commit, on Marten's daemon: one row per alert with its rule, team, when it fired and
/// whether it was acknowledged as actionable, which is what the noise report and the shift report count. No command
/// reads it: an alert's identity and state (dedup, status) are <see cref="AlertsProjection"/>'s, inline.
/// </summary>
public sealed class AlertNoiseProjection : QueuedSqlProjection
{
    /// <summary>The projection's name in Marten (progress, rebuild): its class name.</summary>
    public const string ProjectionName = nameof(AlertNoiseProjection);

    /// <summary>The tables it writes; a rebuild (Marten's teardown) empties them first.</summary>
    public static IReadOnlyList<string> Tables { get; } = ["governance.alert_noise"];

    /// <summary>One row per alert; acknowledging and escalating say whether it was actionable.</summary>
    public AlertNoiseProjection(ILogger<AlertNoiseProjection> logger)
        : base(logger, "Alert noise")
    {
        // Its repeats are the same alert and count once.
        On<AlertFired>((operations, f) => operations.QueueSqlCommand(
            "INSERT INTO governance.alert_noise (alert_id, rule, team, fired_at) VALUES (?, ?, NULLIF(?, ''), ?) ON CONFLICT (alert_id) DO NOTHING",
            f.Id, f.Rule, f.Team ?? "", f.FiredAt));
        On<AlertAcknowledged>((operations, a) => operations.QueueSqlCommand(
            "UPDATE governance.alert_noise SET acknowledged_at = ?, acknowledged_by = ?, actionable = ? WHERE alert_id = ?",
            a.AcknowledgedAt, a.AcknowledgedBy, a.Actionable, a.Id));

        // Escalating is the strongest "this was actionable": it counts as an actionable acknowledgement if none came first.
        On<AlertEscalated>((operations, e) => operations.QueueSqlCommand(
            "UPDATE governance.alert_noise SET acknowledged_at = coalesce(acknowledged_at, ?), acknowledged_by = coalesce(acknowledged_by, ?), " +
            "actionable = coalesce(actionable, true) WHERE alert_id = ?",
            e.EscalatedAt, e.EscalatedBy, e.Id));
    }
}
