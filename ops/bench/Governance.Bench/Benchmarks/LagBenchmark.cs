using System.Diagnostics;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Projections;
using Npgsql;

namespace Governance.Bench.Benchmarks;

/// <summary>
/// Steady-state projection lag through Marten's async daemon: events appended at a fixed 500/s (each its own commit,
/// a new stream each) while the daemon runs one async projection that stamps each event with the database clock when
/// it applies it. Lag = applied − the moment the append returned to its writer. Run twice: clean, and with one
/// rolled-back append per second (a transaction that drew a sequence number and then failed, leaving a gap that the
/// daemon must wait out before it can tell it is dead). Baseline: the appends' own p99 in the same run.
/// </summary>
public sealed class LagBenchmark : IBenchmark
{
    private const int PerSecond = 500;
    private const string RefusedMessage = "bench: this append fails after drawing its sequence number";

    public string Name => "lag";

    public string Description => "Marten async projection lag p50/p99 at a steady 500 events/s, clean and with a rollback per second (DESIGN: p99 < 500 ms)";

    public async Task RunAsync(BenchContext context, CancellationToken ct)
    {
        var connectionString = await context.CreateDatabaseAsync(Name, ct);
        await using var log = await BenchLog.OpenAsync(connectionString,
            opts => opts.Projections.Add(new AppliedAtProjection(), ProjectionLifecycle.Async, AppliedAtProjection.Name),
            options => options.Registry.Register<BenchAppendRefused>("bench_append_refused"));
        await using (var create = log.DataSource.CreateCommand(AppliedAtProjection.Schema))
        {
            await create.ExecuteNonQueryAsync(ct);
        }

        using var daemon = await log.Store.BuildProjectionDaemonAsync();
        await daemon.StartAllAsync();

        // Warm the JIT and the connection pool first: opening dozens of connections (a backend and a SCRAM exchange
        // each) under a fixed-rate load otherwise builds a backlog of seconds that says nothing about the daemon.
        await Task.WhenAll(Enumerable.Range(0, 16).Select(w => Task.Run(async () =>
        {
            for (var n = 0; n < 30; n++)
            {
                await AppendAsync(log, $"model-warm-{w:D2}-{n:D3}", ct);
            }
        }, ct)));
        await CaughtUpAsync(log, ct);

        context.Report("lag_rate_per_s", PerSecond);
        context.Report("daemon_batch_interval_ms", log.Options.FastPollingTime.TotalMilliseconds);
        context.Report("daemon_slow_polling_ms", log.Options.SlowPollingTime.TotalMilliseconds);
        context.Report("daemon_stale_sequence_threshold_ms", log.Options.StaleSequenceThreshold.TotalMilliseconds);

        var clean = await RunPhaseAsync(context, log, "clean", rollbackEvery: 0, ct);
        context.Report("lag_events", clean.Lags.Count);
        context.Report("daemon_lag_p50_ms", Percentile(clean.Lags, 0.50), 1);
        context.Report("daemon_lag_p99_ms", Percentile(clean.Lags, 0.99), 1);
        context.Report("daemon_lag_max_ms", clean.Lags[^1], 1);
        context.Report("append_p50_ms", Percentile(clean.Appends, 0.50), 2);
        context.Report("append_p99_ms", Percentile(clean.Appends, 0.99), 2);
        context.Report("daemon_lag_p99_vs_append_p99", Percentile(clean.Lags, 0.99) / Percentile(clean.Appends, 0.99), 1);

        var skipsBefore = await ScalarAsync(log.DataSource, "SELECT count(*) FROM governance.mt_high_water_skips", ct);
        var withRollbacks = await RunPhaseAsync(context, log, "with one rollback per second", rollbackEvery: PerSecond, ct);
        var skips = await ScalarAsync(log.DataSource, "SELECT count(*) FROM governance.mt_high_water_skips", ct) - skipsBefore;
        context.Report("lag_events_with_rollbacks", withRollbacks.Lags.Count);
        context.Report("lag_rollbacks", withRollbacks.Rollbacks);
        context.Report("lag_dead_sequence_numbers", withRollbacks.DeadSequenceNumbers);
        context.Report("lag_high_water_skips", skips);
        context.Report("daemon_lag_p50_ms_with_rollbacks", Percentile(withRollbacks.Lags, 0.50), 1);
        context.Report("daemon_lag_p99_ms_with_rollbacks", Percentile(withRollbacks.Lags, 0.99), 1);
        context.Report("daemon_lag_max_ms_with_rollbacks", withRollbacks.Lags[^1], 1);
        context.Report("append_p99_ms_with_rollbacks", Percentile(withRollbacks.Appends, 0.99), 2);
        await daemon.StopAllAsync();
    }

    private sealed record Phase(List<double> Lags, List<double> Appends, int Rollbacks, long DeadSequenceNumbers);

    /// <summary>
    /// Appends at <see cref="PerSecond"/> for the warm-up plus the measured window; with <paramref name="rollbackEvery"/>
    /// &gt; 0, one more append out of that many slots draws its sequence number and then rolls back.
    /// </summary>
    private static async Task<Phase> RunPhaseAsync(BenchContext context, BenchLog log, string label, int rollbackEvery, CancellationToken ct)
    {
        BenchContext.Log($"lag ({label}): {PerSecond} events/s for {context.Warmup + context.Duration} (the first {context.Warmup} not counted)");
        var firstSeq = await ScalarAsync(log.DataSource, "SELECT coalesce(max(seq_id), 0) FROM governance.mt_events", ct) + 1;
        var total = (int)(PerSecond * (context.Warmup + context.Duration).TotalSeconds);
        var skip = (int)(PerSecond * context.Warmup.TotalSeconds);
        var prefix = rollbackEvery > 0 ? "r" : "c";
        var clock = Stopwatch.StartNew();
        var appends = new List<Task<(Guid Id, DateTime Committed, double AppendMs)>>(total);
        var rollbacks = new List<Task>();
        for (var i = 0; i < total; i++)
        {
            var due = TimeSpan.FromSeconds((double)i / PerSecond);
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait, ct);
            }

            appends.Add(AppendAsync(log, $"model-lag-{prefix}-{i:D7}", ct));
            if (rollbackEvery > 0 && i % rollbackEvery == rollbackEvery / 2)
            {
                rollbacks.Add(RollBackAsync(log, $"model-lag-{prefix}-rollback-{i:D7}", ct));
            }
        }

        var written = (await Task.WhenAll(appends)).Skip(skip).ToList();
        await Task.WhenAll(rollbacks);
        await CaughtUpAsync(log, ct);

        var applied = new Dictionary<Guid, DateTime>();
        await using (var read = log.DataSource.CreateCommand("SELECT id, applied_at FROM bench.applied"))
        await using (var reader = await read.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                applied[reader.GetGuid(0)] = reader.GetFieldValue<NodaTime.Instant>(1).ToDateTimeUtc();
            }
        }

        var lags = written.Select(w => applied.TryGetValue(w.Id, out var at)
            ? (at - w.Committed).TotalMilliseconds
            : throw new InvalidOperationException($"Event {w.Id} was never applied.")).Order().ToList();
        var lastSeq = await ScalarAsync(log.DataSource, "SELECT max(seq_id) FROM governance.mt_events", ct);
        var stored = await ScalarAsync(log.DataSource, $"SELECT count(*) FROM governance.mt_events WHERE seq_id >= {firstSeq}", ct);
        return new Phase(lags, written.Select(w => w.AppendMs).Order().ToList(), rollbacks.Count, lastSeq - firstSeq + 1 - stored);
    }

    private static async Task<(Guid, DateTime, double)> AppendAsync(BenchLog log, string stream, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        await using var session = log.Session();
        var action = session.Events.StartStream<BenchModel>(stream, BenchEvents.Evaluation(stream, 1));
        await session.SaveChangesAsync(ct);
        return (action.Events[0].Id, DateTime.UtcNow, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>
    /// An append whose statement fails after it drew its sequence number (a bench-only trigger refuses the row, as a
    /// constraint, a timeout or a dropped connection would): the number never reaches Marten, so no tombstone fills it,
    /// and the daemon sees a gap it must prove dead. The worst case: a lost race on the exclusive append lock fails
    /// before drawing a number, and a failure after the append statement returned is tombstoned by Marten.
    /// </summary>
    private static async Task RollBackAsync(BenchLog log, string stream, CancellationToken ct)
    {
        await using var session = log.Session();
        session.Events.StartStream<BenchModel>(stream, new BenchAppendRefused(stream));
        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (Exception ex) when (ex.ToString().Contains(RefusedMessage, StringComparison.Ordinal))
        {
            return;
        }

        throw new InvalidOperationException("The append that should have failed committed.");
    }

    private static async Task CaughtUpAsync(BenchLog log, CancellationToken ct)
    {
        var last = await ScalarAsync(log.DataSource, "SELECT max(seq_id) FROM governance.mt_events", ct);
        await CatchupBenchmark.WaitForProgressAsync(log.DataSource, AppliedAtProjection.Name, last, TimeSpan.FromMinutes(1), ct);
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource dataSource, string sql, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(sql);
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    /// <summary>The event a bench-only trigger refuses, after Marten's append function drew its sequence number.</summary>
    private sealed record BenchAppendRefused(string ModelId);

    /// <summary>Stamps each event with the database clock at the moment the daemon applies it.</summary>
    private sealed class AppliedAtProjection : IProjection
    {
        public const string Name = "bench_applied_at";

        public const string Schema = """
            CREATE SCHEMA bench;
            CREATE TABLE bench.applied (id uuid PRIMARY KEY, applied_at timestamptz NOT NULL);
            CREATE FUNCTION bench.refuse() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'bench: this append fails after drawing its sequence number';
            END $$;
            CREATE TRIGGER bench_refuse BEFORE INSERT ON governance.mt_events FOR EACH ROW
                WHEN (NEW.type = 'bench_append_refused') EXECUTE FUNCTION bench.refuse();
            """;

        public Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
        {
            operations.QueueSqlCommand("INSERT INTO bench.applied (id, applied_at) SELECT s, clock_timestamp() FROM unnest(?::uuid[]) AS s",
                events.Select(e => e.Id).ToArray());
            return Task.CompletedTask;
        }
    }
}
