using Governance.Api.Incidents;
using Governance.EventLog;
using Governance.EventLog.Projections;
using NpgsqlTypes;

namespace Governance.Api.Alerts;

/// <summary>
/// governance.alerts (an alert's identity and state: the next firing looks up the unresolved alert of its dedup key, and
/// the unique index on it is checked here) and the alert rows of the on-call queue (unacknowledged alerts only), in the
/// append transaction. What the noise report counts is written after commit by <see cref="AlertNoiseProjection"/>.
/// </summary>
public sealed class AlertsProjection : IInlineProjection
{
    /// <inheritdoc />
    public IReadOnlyList<string> Tables { get; } = ["governance.alerts", "governance.queue_items"];

    /// <inheritdoc />
    public Task ApplyAsync(ProjectionContext context, IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        foreach (var @event in events)
        {
            switch (@event.Data)
            {
                case AlertFired f:
                    context.Enqueue(
                        "INSERT INTO governance.alerts (id, rule, model, team, severity, dedup_key, summary, status, fired_at, last_fired_at) " +
                        "VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $8)",
                        f.Id, f.Rule, f.Model, f.Team, f.Severity.Text(), f.DedupKey, f.Summary, f.FiredAt.ToDateTimeUtc());
                    if (f.Team is not null)
                    {
                        // Alerts fired before teams had escalation policies carry no deadline: the severity's default.
                        var due = f.AckDeadline ?? (Incident.AckDeadlineFor(f.Severity) is { } d ? f.FiredAt + d : null);
                        var deadline = due is { } at ? (object)at.ToDateTimeUtc() : DBNull.Value;
                        context.Enqueue(
                            "INSERT INTO governance.queue_items (kind, id, team, model, severity, title, status, opened_at, ack_deadline, acknowledged, assignee) " +
                            "VALUES ('alert', $1, $2, $3, $4, $5, 'open', $6, $7, false, NULL)",
                            f.Id, f.Team, f.Model, f.Severity.Text(), f.Summary, f.FiredAt.ToDateTimeUtc(),
                            new Npgsql.NpgsqlParameter { Value = deadline, NpgsqlDbType = NpgsqlDbType.TimestampTz });
                    }

                    break;
                case AlertRepeated r:
                    context.Enqueue("UPDATE governance.alerts SET repeats = $2, last_fired_at = $3, summary = $4 WHERE id = $1",
                        r.Id, r.Count, r.RepeatedAt.ToDateTimeUtc(), r.Summary);
                    break;
                case AlertAcknowledged a:
                    context.Enqueue("UPDATE governance.alerts SET status = CASE WHEN status = 'open' THEN 'acknowledged' ELSE status END WHERE id = $1", a.Id);
                    Dequeue(context, a.Id);
                    break;
                case AlertEscalated e:
                    context.Enqueue("UPDATE governance.alerts SET status = 'escalated', incident_id = $2 WHERE id = $1", e.Id, e.IncidentId);
                    Dequeue(context, e.Id);
                    break;
                case AlertResolved r:
                    context.Enqueue("UPDATE governance.alerts SET status = 'resolved', resolved_at = $2 WHERE id = $1",
                        r.Id, r.ResolvedAt.ToDateTimeUtc());
                    Dequeue(context, r.Id);
                    break;
            }
        }

        return Task.CompletedTask;
    }

    private static void Dequeue(ProjectionContext context, string id) =>
        context.Enqueue("DELETE FROM governance.queue_items WHERE kind = 'alert' AND id = $1", id);
}
