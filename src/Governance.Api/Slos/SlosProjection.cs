using Governance.EventLog;
using Governance.EventLog.Projections;

namespace Governance.Api.Slos;

/// <summary>
/// governance.slos, an SLO's definition, in the append transaction: ingestion refuses an SLO it cannot find there and
/// the breach detector judges every SLO it lists. Breaches are status, written after commit by <see cref="SloStatusProjection"/>.
/// </summary>
public sealed class SlosProjection : IInlineProjection
{
    // Not governance.slo_measurements or slo_buckets: measurements are data sent by clients, not events.
    /// <inheritdoc />
    public IReadOnlyList<string> Tables { get; } = ["governance.slos"];

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
            }
        }

        return Task.CompletedTask;
    }
}
