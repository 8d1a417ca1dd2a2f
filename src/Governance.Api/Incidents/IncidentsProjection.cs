using Governance.EventLog;
using Governance.EventLog.Projections;
using Npgsql;
using NpgsqlTypes;

namespace Governance.Api.Incidents;

/// <summary>governance.incidents and the incident rows of the on-call queue, in the append transaction.</summary>
public sealed class IncidentsProjection : IInlineProjection
{
    /// <inheritdoc />
    public IReadOnlyList<string> Tables { get; } = ["governance.incidents", "governance.queue_items"];

    /// <inheritdoc />
    public Task ApplyAsync(ProjectionContext context, IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        foreach (var @event in events)
        {
            switch (@event.Data)
            {
                case IncidentOpened o:
                    context.Enqueue(
                        "INSERT INTO governance.incidents (id, model, severity, status, opened_at, team, stage, version, title, source, category, assignee, " +
                        "opened_by, ack_deadline, slo_id, alert_id) VALUES ($1, $2, $3, 'open', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
                        o.Id, o.Model, o.Severity.Text(), o.OpenedAt.ToDateTimeUtc(), o.Team, o.Stage, o.Version, o.Title,
                        o.Source.ToString(), o.Category?.ToString(), o.Assignee, o.OpenedBy, Time(o.AckDeadline), o.SloId, o.AlertId);
                    if (o.Team is not null)
                    {
                        context.Enqueue(
                            "INSERT INTO governance.queue_items (kind, id, team, model, severity, title, status, opened_at, ack_deadline, acknowledged, assignee) " +
                            "VALUES ('incident', $1, $2, $3, $4, $5, 'open', $6, $7, false, $8)",
                            o.Id, o.Team, o.Model, o.Severity.Text(), o.Title, o.OpenedAt.ToDateTimeUtc(), Time(o.AckDeadline), o.Assignee);
                    }

                    break;
                case IncidentAcknowledged a:
                    context.Enqueue("UPDATE governance.incidents SET status = 'acknowledged', acknowledged_at = $2, acknowledged_by = $3 WHERE id = $1",
                        a.Id, a.AcknowledgedAt.ToDateTimeUtc(), a.AcknowledgedBy);
                    context.Enqueue("UPDATE governance.queue_items SET status = 'acknowledged', acknowledged = true WHERE kind = 'incident' AND id = $1",
                        a.Id);
                    break;
                case IncidentAssigned a:
                    Assign(context, a.Id, a.Assignee);
                    break;
                case IncidentEscalated e:
                    context.Enqueue("UPDATE governance.incidents SET escalated_at = $2 WHERE id = $1",
                        e.Id, e.EscalatedAt.ToDateTimeUtc());
                    if (e.To is not null)
                    {
                        Assign(context, e.Id, e.To);
                    }

                    break;
                case IncidentMitigated m:
                    context.Enqueue("UPDATE governance.incidents SET status = 'mitigated', mitigated_at = $2 WHERE id = $1",
                        m.Id, m.MitigatedAt.ToDateTimeUtc());
                    context.Enqueue("UPDATE governance.queue_items SET status = 'mitigated', acknowledged = true WHERE kind = 'incident' AND id = $1",
                        m.Id);
                    break;
                case IncidentResolved r:
                    context.Enqueue("UPDATE governance.incidents SET status = 'resolved', resolved_at = $2 WHERE id = $1",
                        r.Id, r.ResolvedAt.ToDateTimeUtc());
                    context.Enqueue("DELETE FROM governance.queue_items WHERE kind = 'incident' AND id = $1", r.Id);
                    break;
                case IncidentReopened r:
                    context.Enqueue(
                        "UPDATE governance.incidents SET status = 'open', resolved_at = NULL, mitigated_at = NULL, acknowledged_at = NULL, acknowledged_by = NULL, " +
                        "escalated_at = NULL, ack_deadline = $2 WHERE id = $1", r.Id, Time(r.AckDeadline));
                    context.Enqueue(
                        "INSERT INTO governance.queue_items (kind, id, team, model, severity, title, status, opened_at, ack_deadline, acknowledged, assignee) " +
                        "SELECT 'incident', id, team, model, severity, title, 'open', $2, ack_deadline, false, assignee FROM governance.incidents WHERE id = $1 AND team IS NOT NULL",
                        r.Id, r.ReopenedAt.ToDateTimeUtc());
                    break;
                case PostmortemPublished p:
                    context.Enqueue("UPDATE governance.incidents SET postmortem_at = $2 WHERE id = $1",
                        p.Id, p.PublishedAt.ToDateTimeUtc());
                    break;
            }
        }

        return Task.CompletedTask;
    }

    private static void Assign(ProjectionContext context, string id, string assignee)
    {
        context.Enqueue("UPDATE governance.incidents SET assignee = $2 WHERE id = $1", id, assignee);
        context.Enqueue("UPDATE governance.queue_items SET assignee = $2 WHERE kind = 'incident' AND id = $1",
            id, assignee);
    }

    private static NpgsqlParameter Time(NodaTime.Instant? instant) =>
        new() { Value = instant is { } i ? i.ToDateTimeUtc() : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz };
}
