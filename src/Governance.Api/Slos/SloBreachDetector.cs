using System.Text;
using Governance.Api.Incidents;
using Governance.EventLog;
using NodaTime;
using Npgsql;
using Wolverine;

namespace Governance.Api.Slos;

/// <summary>
/// Judges SLOs on their measurements and appends breaches and recoveries. One SQL statement counts every window of every SLO;
/// only SLOs whose verdict changed are folded and written. Runs on ingestion and on the operations timer.
/// </summary>
public sealed class SloBreachDetector(
    NpgsqlDataSource db, IEventStore store, IncidentRouting routing, IServiceScopeFactory scopes, IClock clock, ILogger<SloBreachDetector> logger) : IOperationsCheck
{
    private static readonly string CountsSql = BuildCountsSql();

    /// <summary>An SLO's row and its counts, as read for judging.</summary>
    public sealed record SloRow(string Id, double Objective, string? ActiveBreach, SloCounts Counts);

    /// <inheritdoc />
    public async Task RunOnceAsync(CancellationToken ct) => await EvaluateAsync(null, ct);

    /// <summary>Judges the given SLOs (all when null); returns the ids breaching after the pass.</summary>
    public async Task<IReadOnlySet<string>> EvaluateAsync(IReadOnlyList<string>? ids, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        var breaching = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in await CountsAsync(ids, now, ct))
        {
            var judgement = BurnRates.Judge(row.Objective, row.Counts);
            if ((row.ActiveBreach is null) == (judgement.Breach is null))
            {
                if (row.ActiveBreach is not null)
                {
                    breaching.Add(row.Id);
                }

                continue;
            }

            if (await ApplyAsync(row.Id, judgement, now, ct))
            {
                breaching.Add(row.Id);
            }
        }

        return breaching;
    }

    /// <summary>The counts of the given SLOs (all when null), each judged up to now minus its label delay.</summary>
    public async Task<IReadOnlyList<SloRow>> CountsAsync(IReadOnlyList<string>? ids, Instant now, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(CountsSql);
        cmd.Parameters.Add(new() { Value = now.ToDateTimeUtc() });
        cmd.Parameters.Add(new() { Value = (object?)ids?.ToArray() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
        var rows = new List<SloRow>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            WindowCounts W(int i) => new(reader.GetInt64(i), reader.GetInt64(i + 1));
            rows.Add(new SloRow(reader.GetString(0), reader.GetDouble(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                new SloCounts(W(3), W(5), W(7), W(9), W(11), W(13))));
        }

        return rows;
    }

    private async Task<bool> ApplyAsync(string id, SloJudgement judgement, Instant now, CancellationToken ct)
    {
        var aggregate = await store.AggregateStreamAsync<Slo>(Slo.StreamId(id), ct: ct);
        if (aggregate is null)
        {
            return false;
        }

        var route = await routing.RouteAsync(aggregate.State.Model, ct);
        var incidentId = Incident.NewId();
        var (sloEvents, incident) = BurnRates.Decide(aggregate.State, judgement, incidentId, route, now);
        if (sloEvents.Count == 0)
        {
            return aggregate.State.Breach is not null;
        }

        var appends = new List<StreamAppend> { new(Slo.StreamId(id), Slo.StreamType, ExpectedVersion.Exactly(aggregate.Version), sloEvents) };
        if (incident is not null)
        {
            appends.Add(new StreamAppend(Incident.StreamId(incidentId), Incident.StreamType, ExpectedVersion.NoStream, [incident]));
        }

        try
        {
            await store.AppendAsync(appends, new EventMetadata(Incident.System, "slo-check-" + id, null, null, null), ct);
            logger.LogInformation("SLO {Slo}: {Event}", id, sloEvents[0].GetType().Name);
            if (incident is not null)
            {
                await ScheduleAckDeadlineAsync(incident, ct);
            }
            return judgement.Breach is not null;
        }
        catch (ConcurrencyException)
        {
            // Another pass (another node, or ingestion racing the timer) wrote first; it saw the same data.
            return judgement.Breach is not null;
        }
    }

    /// <summary>
    /// The page's ack-deadline timer, stored right after the incident commits (this append is not a Wolverine
    /// transaction). A node killed between the two leaves the incident to the escalation sweep, one interval late at worst.
    /// </summary>
    private async Task ScheduleAckDeadlineAsync(IncidentOpened incident, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var bus = scope.ServiceProvider.GetRequiredService<IMessageBus>();
        foreach (var (timer, delay) in EscalateIncident.Timers([incident]))
        {
            await bus.ScheduleAsync(timer, delay);
        }
    }

    private static string BuildCountsSql()
    {
        var windows = BurnRates.Windows.Select(w => $"interval '{(long)w.Length.TotalSeconds} seconds'").Append("s.slo_window").ToList();
        var sums = new StringBuilder();
        foreach (var w in windows)
        {
            sums.Append($", coalesce(sum(l.good) FILTER (WHERE l.bucket_from >= s.t - {w}), 0)::bigint, coalesce(sum(l.total) FILTER (WHERE l.bucket_from >= s.t - {w}), 0)::bigint");
        }

        // Late and corrected buckets: slo_buckets holds the newest row of each bucket. Buckets not yet past the label delay are not judged.
        // The active breach is read from the SLO's own stream (its last breach or recovery), not from the status projection:
        // that one is written after commit, and a verdict compared with a lagging breach state would skip a breach or a
        // recovery until the next pass. Breaches and recoveries are few: one pass over them (the log's index on type) finds
        // each stream's last one.
        return $"""
            SELECT s.id, s.objective, s.breach_kind{sums}
            FROM (SELECT slos.id, slos.objective, slos.slo_window, $1::timestamptz - slos.label_delay AS t, last.breach_kind
                  FROM governance.slos
                  LEFT JOIN (SELECT DISTINCT ON (e.stream_id) e.stream_id, CASE WHEN e.type = 'slo_breached' THEN e.data ->> 'kind' END AS breach_kind
                             FROM {EventLogOptions.Schema}.mt_events e WHERE e.type IN ('slo_breached', 'slo_recovered')
                             ORDER BY e.stream_id, e.version DESC) last ON last.stream_id = 'slo-' || slos.id
                  WHERE $2::text[] IS NULL OR slos.id = ANY($2)) s
            LEFT JOIN governance.slo_buckets l
                ON l.slo_id = s.id AND l.bucket_from >= s.t - greatest(s.slo_window, interval '3 days') AND l.bucket_to <= s.t
            GROUP BY s.id, s.objective, s.breach_kind, s.slo_window, s.t
            """;
    }
}
