using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace Governance.Api.Slos;

/// <summary>
/// governance.slo_breaches, after commit, on Marten's daemon: every breach with its burn rates and when it recovered. An
/// SLO's active breach is its row not yet recovered. Read by the shift report and the documentation index; never by
/// <see cref="SloBreachDetector"/>, which decides on the SLO's stream.
/// </summary>
/// <remarks>
/// Every write is queued into the daemon's batch, so it commits with the projection's progress or not at all. The writes
/// are idempotent and total (no value they need can be missing), and an event that cannot be applied is logged and
/// passed over: Marten pauses a raw projection that throws, and one bad event must not hold back every SLO's status.
/// </remarks>
public sealed class SloStatusProjection(ILogger<SloStatusProjection> logger) : IProjection
{
    /// <summary>The projection's name in Marten (progress, rebuild): its class name.</summary>
    public const string ProjectionName = nameof(SloStatusProjection);

    /// <summary>The tables it writes; a rebuild (Marten's teardown) empties them first.</summary>
    public static IReadOnlyList<string> Tables { get; } = ["governance.slo_breaches"];

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
                logger.LogError(ex, "SLO status: event {Sequence} ({Type}) could not be applied; passed over", @event.Sequence, @event.EventTypeName);
            }
        }

        return Task.CompletedTask;
    }

    private static void Apply(IDocumentOperations operations, object data)
    {
        switch (data)
        {
            case SloBreached b:
                // The team is the SLO's (never revised), from its inline row.
                operations.QueueSqlCommand(
                    "INSERT INTO governance.slo_breaches (slo_id, kind, model, team, breached_at, incident_id, long_burn_rate, short_burn_rate) " +
                    "SELECT s.id, ?, s.model, s.team, ?, NULLIF(?, ''), ?, ? FROM governance.slos s WHERE s.id = ? " +
                    "ON CONFLICT (slo_id, breached_at) DO NOTHING",
                    Kind(b.Kind), b.DetectedAt, b.IncidentId ?? "", b.LongBurnRate, b.ShortBurnRate, b.Id);
                break;
            case SloRecovered r:
                operations.QueueSqlCommand("UPDATE governance.slo_breaches SET recovered_at = ? WHERE slo_id = ? AND breached_at = ?",
                    r.RecoveredAt, r.Id, r.BreachedAt);
                break;
        }
    }

    private static string Kind(BreachKind kind) => kind.ToString().ToLowerInvariant();
}
