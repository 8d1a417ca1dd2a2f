using Governance.EventLog;
using Governance.EventLog.Projections;

namespace Governance.Api.Slos;

/// <summary>governance.slos (with the active breach) and governance.slo_breaches, in the append transaction.</summary>
public sealed class SlosProjection : IInlineProjection
{
    // Not governance.slo_measurements or slo_buckets: measurements are data sent by clients, not events.
    /// <inheritdoc />
    public IReadOnlyList<string> Tables { get; } = ["governance.slos", "governance.slo_breaches"];

    /// <inheritdoc />
    public Task ApplyAsync(ProjectionContext context, IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        foreach (var @event in events)
        {
            switch (@event.Data)
            {
                case SloDefined d:
                    context.Enqueue(
                        "INSERT INTO governance.slos (id, name, model, team, stage, objective, slo_window, label_delay, defined_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                        d.Id, d.Name, d.Model, d.Team, d.Stage, d.Objective, d.Window.ToTimeSpan(), d.LabelDelay.ToTimeSpan(), d.DefinedAt.ToDateTimeUtc());
                    break;
                case SloRevised r:
                    context.Enqueue("UPDATE governance.slos SET name = $2, objective = $3, slo_window = $4, label_delay = $5 WHERE id = $1",
                        r.Id, r.Name, r.Objective, r.Window.ToTimeSpan(), r.LabelDelay.ToTimeSpan());
                    break;
                case SloBreached b:
                    context.Enqueue("UPDATE governance.slos SET breach_kind = $2, breach_since = $3, incident_id = $4 WHERE id = $1",
                        b.Id, Kind(b.Kind), b.DetectedAt.ToDateTimeUtc(), b.IncidentId);
                    context.Enqueue(
                        "INSERT INTO governance.slo_breaches (slo_id, kind, model, team, breached_at, incident_id, long_burn_rate, short_burn_rate) " +
                        "SELECT $1, $2, model, team, $3, $4, $5, $6 FROM governance.slos WHERE id = $1",
                        b.Id, Kind(b.Kind), b.DetectedAt.ToDateTimeUtc(), b.IncidentId, b.LongBurnRate, b.ShortBurnRate);
                    break;
                case SloRecovered r:
                    context.Enqueue("UPDATE governance.slos SET breach_kind = NULL, breach_since = NULL, incident_id = NULL WHERE id = $1",
                        r.Id);
                    context.Enqueue("UPDATE governance.slo_breaches SET recovered_at = $3 WHERE slo_id = $1 AND breached_at = $2",
                        r.Id, r.BreachedAt.ToDateTimeUtc(), r.RecoveredAt.ToDateTimeUtc());
                    break;
            }
        }

        return Task.CompletedTask;
    }

    private static string Kind(BreachKind kind) => kind.ToString().ToLowerInvariant();
}
