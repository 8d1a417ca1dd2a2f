using System.Text.Json.Serialization;
using Governance.Api.Rotations;
using Governance.EventLog.Streams;
using JasperFx.Events;
using Marten;
using NodaTime;
using Npgsql;
using Wolverine;
using Wolverine.Marten;

namespace Governance.Api.Incidents;

/// <summary>
/// Escalate incident <paramref name="Id"/> if nobody acknowledged it by <paramref name="Deadline"/>: the durable timer an
/// opening or a reopening schedules (stored in PostgreSQL with the event that set the deadline), or, with no
/// <paramref name="Deadline"/>, the sweep's "whatever deadline is in effect" for incidents that have no timer.
/// </summary>
public sealed record EscalateIncident(string Id, DateTimeOffset? Deadline)
{
    /// <summary>The incident's stream, for the aggregate workflow.</summary>
    [JsonIgnore]
    public string StreamId => Incident.StreamId(Id);

    /// <summary>
    /// Pure decision: escalate when the incident is still open and unacknowledged past its deadline and has not been
    /// escalated yet; the secondary on call now takes it. Null when there is nothing to do.
    /// </summary>
    public static IncidentEscalated? Decide(Incident state, OnCall? onCallNow, Instant now)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Status != IncidentStatus.Open || state.Escalated || state.AckDeadline is not { } deadline || now < deadline)
        {
            return null;
        }

        // The secondary on call takes it; if the secondary already has it (the shift changed), the primary does.
        var to = new[] { onCallNow?.Secondary, onCallNow?.Primary }.FirstOrDefault(c => c is not null && c != state.Assignee);
        return new IncidentEscalated(state.Id, state.Model, state.Severity, state.Assignee, to ?? state.Assignee, deadline, Incident.System, now);
    }

    /// <summary>What a timer that fired finds to do, decided on the incident as it is now.</summary>
    public enum Outcome
    {
        /// <summary>Acknowledged, resolved, already escalated, no deadline, or the deadline moved (whoever moved it set a timer of its own).</summary>
        Nothing,

        /// <summary>The deadline is still ahead by the service's clock: look again when it passes.</summary>
        NotYet,

        /// <summary>Overdue and unacknowledged: escalate (<see cref="Decide"/>).</summary>
        Due,
    }

    /// <summary>Pure: whether the timer <paramref name="command"/> is stale, early or due on <paramref name="state"/> at <paramref name="now"/>.</summary>
    public static Outcome Check(EscalateIncident command, Incident? state, Instant now)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (state is not { Status: IncidentStatus.Open, Escalated: false, AckDeadline: { } deadline })
        {
            return Outcome.Nothing;
        }

        // A reopening moved the deadline later and scheduled its own timer: this one is spent.
        if (command.Deadline is { } scheduledFor && deadline > Instant.FromDateTimeOffset(scheduledFor))
        {
            return Outcome.Nothing;
        }

        return now < deadline ? (command.Deadline is null ? Outcome.Nothing : Outcome.NotYet) : Outcome.Due;
    }

    /// <summary>
    /// The timers <paramref name="events"/> start: one per deadline they set (an opening, a reopening), due when the
    /// deadline's window has passed from the moment of the event. The window, not the deadline's instant, is what is
    /// scheduled: Wolverine runs timers by the machine's clock, decisions use the injected one (docs/operations-timers.md).
    /// </summary>
    public static OutgoingMessages TimersFor(IEnumerable<object> events)
    {
        var timers = new OutgoingMessages();
        foreach (var (timer, delay) in Timers(events))
        {
            timers.Delay(timer, delay);
        }

        return timers;
    }

    /// <summary>As <see cref="TimersFor"/>, each timer with how long from now it is due.</summary>
    public static IEnumerable<(EscalateIncident Timer, TimeSpan Delay)> Timers(IEnumerable<object> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        foreach (var @event in events)
        {
            var (id, deadline, at) = @event switch
            {
                IncidentOpened o => (o.Id, o.AckDeadline, o.OpenedAt),
                IncidentReopened r => (r.Id, r.AckDeadline, r.ReopenedAt),
                _ => (null, null, default(Instant)),
            };
            if (id is not null && deadline is { } due)
            {
                yield return (new EscalateIncident(id, due.ToDateTimeOffset()), Duration.Max(Duration.Zero, due - at).ToTimeSpan());
            }
        }
    }
}

/// <summary>Runs a fired ack-deadline timer (or a sweep's request) on the incident's stream, locked for the decision.</summary>
public static class EscalateIncidentHandler
{
    /// <summary>Escalates once when due; looks again later when the service's clock says the deadline is still ahead.</summary>
    public static async Task<(Events, OutgoingMessages)> Handle(
        EscalateIncident command,
        [WriteAggregate(nameof(EscalateIncident.StreamId), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Incident>> incident,
        IDocumentSession session, IncidentRouting routing, IClock clock, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(incident);
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(routing);
        ArgumentNullException.ThrowIfNull(clock);
        var now = clock.GetCurrentInstant();
        var state = incident.Aggregate?.State;
        switch (EscalateIncident.Check(command, state, now))
        {
            case EscalateIncident.Outcome.NotYet:
                return ([], [command.DelayedFor((state!.AckDeadline!.Value - now).ToTimeSpan())]);
            case EscalateIncident.Outcome.Due:
                var rotation = await routing.RotationAsync(state!.Team, ct);
                if (EscalateIncident.Decide(state, rotation?.At(now), now) is not { } escalated)
                {
                    return ([], []);
                }

                // No request is being served: the service escalates on its own behalf.
                session.LastModifiedBy = Incident.System;
                session.CorrelationId = "escalation-" + command.Id;
                return ([escalated], []);
            default:
                return ([], []);
        }
    }
}

/// <summary>
/// The sweep: escalates every incident overdue by the service's clock through <see cref="EscalateIncidentHandler"/>.
/// The timers do this at each deadline; the sweep covers incidents opened before they existed (or imported), and runs
/// once across the cluster (<see cref="OperationsAgent"/>). Tests call it to make a pass happen now.
/// </summary>
public sealed class IncidentEscalation(NpgsqlDataSource db, IServiceScopeFactory scopes, IClock clock, ILogger<IncidentEscalation> logger) : IOperationsCheck
{
    /// <inheritdoc />
    public Task RunOnceAsync(CancellationToken ct) => EscalateOverdueAsync(ct);

    /// <summary>Escalates every overdue incident; returns the ids escalated by this pass.</summary>
    public async Task<IReadOnlyList<string>> EscalateOverdueAsync(CancellationToken ct)
    {
        var due = new List<string>();
        await using (var cmd = db.CreateCommand(
            "SELECT id FROM governance.incidents WHERE status = 'open' AND escalated_at IS NULL AND ack_deadline IS NOT NULL AND ack_deadline <= $1 ORDER BY ack_deadline LIMIT 1000"))
        {
            cmd.Parameters.Add(new() { Value = clock.GetCurrentInstant().ToDateTimeUtc() });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                due.Add(reader.GetString(0));
            }
        }

        if (due.Count == 0)
        {
            return [];
        }

        await using (var scope = scopes.CreateAsyncScope())
        {
            var bus = scope.ServiceProvider.GetRequiredService<IMessageBus>();
            foreach (var id in due)
            {
                await bus.InvokeAsync(new EscalateIncident(id, null), ct);
            }
        }

        var escalated = new List<string>();
        await using (var cmd = db.CreateCommand("SELECT id FROM governance.incidents WHERE id = ANY($1) AND escalated_at IS NOT NULL"))
        {
            cmd.Parameters.Add(new() { Value = due.ToArray() });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                escalated.Add(reader.GetString(0));
            }
        }

        foreach (var id in escalated)
        {
            logger.LogInformation("Escalated overdue incident {Incident}", id);
        }

        return escalated;
    }
}
