using JasperFx.Events;
using Marten;
using Governance.Api.Core.Storage;

namespace Governance.Api.Slos;

/// <summary>
/// governance.slo_breaches, after commit, on Marten's daemon: every breach with its burn rates and when it recovered. An
/// SLO's active breach is its row not yet recovered. Read by the shift report and the documentation index; never by
/// <see cref="SloBreachDetector"/>, which decides on the SLO's stream.
/// </summary>
public sealed class SloStatusProjection : QueuedSqlProjection
{
    /// <summary>The projection's name in Marten (progress, rebuild): its class name.</summary>
    public const string ProjectionName = nameof(SloStatusProjection);

    /// <summary>The tables it writes; a rebuild (Marten's teardown) empties them first.</summary>
    public static IReadOnlyList<string> Tables { get; } = ["governance.slo_breaches"];

    /// <summary>A breach inserts its row; recovering closes it.</summary>
    public SloStatusProjection(ILogger<SloStatusProjection> logger)
        : base(logger, "SLO status")
    {
        // The team is the SLO's (never revised), from its inline row.
        On<SloBreached>((operations, b) => operations.QueueSqlCommand(
            "INSERT INTO governance.slo_breaches (slo_id, kind, model, team, breached_at, incident_id, long_burn_rate, short_burn_rate) " +
            "SELECT s.id, ?, s.model, s.team, ?, NULLIF(?, ''), ?, ? FROM governance.slos s WHERE s.id = ? " +
            "ON CONFLICT (slo_id, breached_at) DO NOTHING",
            Kind(b.Kind), b.DetectedAt, b.IncidentId ?? "", b.LongBurnRate, b.ShortBurnRate, b.Id));
        On<SloRecovered>((operations, r) => operations.QueueSqlCommand(
            "UPDATE governance.slo_breaches SET recovered_at = ? WHERE slo_id = ? AND breached_at = ?",
            r.RecoveredAt, r.Id, r.BreachedAt));
    }

    private static string Kind(BreachKind kind) => kind.ToString().ToLowerInvariant();
}
