using Governance.Api.Rotations;
using Governance.EventLog;
using NodaTime;
using Npgsql;

namespace Governance.Api.Incidents;

/// <summary>Escalation of SEV1/SEV2 incidents nobody acknowledged by their deadline: to the secondary on call, once.</summary>
public static class EscalateIncident
{
    /// <summary>
    /// Pure decision: escalate when the incident is still open and unacknowledged past its deadline and has not been
    /// escalated yet; the secondary on call now takes it. Null when there is nothing to do.
    /// </summary>
    public static IncidentEscalated? Decide(Incident state, OnCall? onCallNow, Instant now)
    {
        if (state.Status != IncidentStatus.Open || state.Escalated || state.AckDeadline is not { } deadline || now < deadline)
        {
            return null;
        }

        // The secondary on call takes it; if the secondary already has it (the shift changed), the primary does.
        var to = new[] { onCallNow?.Secondary, onCallNow?.Primary }.FirstOrDefault(c => c is not null && c != state.Assignee);
        return new IncidentEscalated(state.Id, state.Model, state.Severity, state.Assignee, to ?? state.Assignee, deadline, Incident.System, now);
    }
}

/// <summary>Finds overdue incidents and escalates each once; called on a timer by <see cref="OperationsMonitor"/> and directly by tests.</summary>
public sealed class IncidentEscalation(NpgsqlDataSource db, IEventStore store, IncidentRouting routing, IClock clock, ILogger<IncidentEscalation> logger) : IOperationsCheck
{
    /// <inheritdoc />
    public Task RunOnceAsync(CancellationToken ct) => EscalateOverdueAsync(ct);

    /// <summary>Escalates every overdue incident; returns the ids escalated.</summary>
    public async Task<IReadOnlyList<string>> EscalateOverdueAsync(CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        var due = new List<string>();
        await using (var cmd = db.CreateCommand(
            "SELECT id FROM governance.incidents WHERE status = 'open' AND escalated_at IS NULL AND ack_deadline IS NOT NULL AND ack_deadline <= $1 ORDER BY ack_deadline LIMIT 1000"))
        {
            cmd.Parameters.Add(new() { Value = now.ToDateTimeUtc() });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                due.Add(reader.GetString(0));
            }
        }

        var escalated = new List<string>();
        foreach (var id in due)
        {
            var aggregate = await store.AggregateStreamAsync<Incident>(Incident.StreamId(id), ct: ct);
            if (aggregate is null)
            {
                continue;
            }

            var rotation = await routing.RotationAsync(aggregate.State.Team, ct);
            if (EscalateIncident.Decide(aggregate.State, rotation?.At(now), now) is not { } @event)
            {
                continue;
            }

            try
            {
                await store.AppendAsync(Incident.StreamId(id), Incident.StreamType, ExpectedVersion.Exactly(aggregate.Version), [@event],
                    new EventMetadata(Incident.System, "escalation-" + id, null, null, null), ct);
                escalated.Add(id);
                logger.LogInformation("Escalated incident {Incident} to {To}", id, @event.To);
            }
            catch (ConcurrencyException)
            {
                // Acknowledged, or escalated by another node, while we looked: the next pass sees the new state.
            }
        }

        return escalated;
    }
}
