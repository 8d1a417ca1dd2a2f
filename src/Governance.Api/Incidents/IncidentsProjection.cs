using Governance.EventStore;
using Governance.EventStore.Projections;
using Npgsql;
using NpgsqlTypes;

namespace Governance.Api.Incidents;

/// <summary>governance.incidents and the incident rows of the on-call queue, in the append transaction.</summary>
public sealed class IncidentsProjection : IInlineProjection
{
    /// <inheritdoc />
    public async Task ApplyAsync(ProjectionContext context, IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        foreach (var @event in events)
        {
            switch (@event.Data)
            {
                case IncidentOpened o:
                    await context.ExecuteAsync(
                        "INSERT INTO governance.incidents (id, model, severity, status, opened_at, team, stage, version, title, source, category, assignee, " +
                        "opened_by, ack_deadline, slo_id, alert_id) VALUES ($1, $2, $3, 'open', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
                        ct, o.Id, o.Model, o.Severity.Text(), o.OpenedAt.ToDateTimeUtc(), o.Team, o.Stage, o.Version, o.Title,
                        o.Source.ToString(), o.Category?.ToString(), o.Assignee, o.OpenedBy, Time(o.AckDeadline), o.SloId, o.AlertId);
                    if (o.Team is not null)
                    {
                        await context.ExecuteAsync(
                            "INSERT INTO governance.queue_items (kind, id, team, model, severity, title, status, opened_at, ack_deadline, acknowledged, assignee) " +
                            "VALUES ('incident', $1, $2, $3, $4, $5, 'open', $6, $7, false, $8)",
                            ct, o.Id, o.Team, o.Model, o.Severity.Text(), o.Title, o.OpenedAt.ToDateTimeUtc(), Time(o.AckDeadline), o.Assignee);
                    }

                    break;
                case IncidentAcknowledged a:
                    await context.ExecuteAsync("UPDATE governance.incidents SET status = 'acknowledged', acknowledged_at = $2, acknowledged_by = $3 WHERE id = $1",
                        ct, a.Id, a.AcknowledgedAt.ToDateTimeUtc(), a.AcknowledgedBy);
                    await context.ExecuteAsync("UPDATE governance.queue_items SET status = 'acknowledged', acknowledged = true WHERE kind = 'incident' AND id = $1", ct, a.Id);
                    break;
                case IncidentAssigned a:
                    await Assign(context, a.Id, a.Assignee, ct);
                    break;
                case IncidentEscalated e:
                    await context.ExecuteAsync("UPDATE governance.incidents SET escalated_at = $2 WHERE id = $1", ct, e.Id, e.EscalatedAt.ToDateTimeUtc());
                    if (e.To is not null)
                    {
                        await Assign(context, e.Id, e.To, ct);
                    }

                    break;
                case IncidentMitigated m:
                    await context.ExecuteAsync("UPDATE governance.incidents SET status = 'mitigated', mitigated_at = $2 WHERE id = $1", ct, m.Id, m.MitigatedAt.ToDateTimeUtc());
                    await context.ExecuteAsync("UPDATE governance.queue_items SET status = 'mitigated', acknowledged = true WHERE kind = 'incident' AND id = $1", ct, m.Id);
                    break;
                case IncidentResolved r:
                    await context.ExecuteAsync("UPDATE governance.incidents SET status = 'resolved', resolved_at = $2 WHERE id = $1", ct, r.Id, r.ResolvedAt.ToDateTimeUtc());
                    await context.ExecuteAsync("DELETE FROM governance.queue_items WHERE kind = 'incident' AND id = $1", ct, r.Id);
                    break;
                case IncidentReopened r:
                    await context.ExecuteAsync(
                        "UPDATE governance.incidents SET status = 'open', resolved_at = NULL, mitigated_at = NULL, acknowledged_at = NULL, acknowledged_by = NULL, " +
                        "escalated_at = NULL, ack_deadline = $2 WHERE id = $1", ct, r.Id, Time(r.AckDeadline));
                    await context.ExecuteAsync(
                        "INSERT INTO governance.queue_items (kind, id, team, model, severity, title, status, opened_at, ack_deadline, acknowledged, assignee) " +
                        "SELECT 'incident', id, team, model, severity, title, 'open', $2, ack_deadline, false, assignee FROM governance.incidents WHERE id = $1 AND team IS NOT NULL",
                        ct, r.Id, r.ReopenedAt.ToDateTimeUtc());
                    break;
                case PostmortemPublished p:
                    await context.ExecuteAsync("UPDATE governance.incidents SET postmortem_at = $2 WHERE id = $1", ct, p.Id, p.PublishedAt.ToDateTimeUtc());
                    break;
            }
        }
    }

    private static async Task Assign(ProjectionContext context, string id, string assignee, CancellationToken ct)
    {
        await context.ExecuteAsync("UPDATE governance.incidents SET assignee = $2 WHERE id = $1", ct, id, assignee);
        await context.ExecuteAsync("UPDATE governance.queue_items SET assignee = $2 WHERE kind = 'incident' AND id = $1", ct, id, assignee);
    }

    private static NpgsqlParameter Time(NodaTime.Instant? instant) =>
        new() { Value = instant is { } i ? i.ToDateTimeUtc() : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz };
}
