using System.Diagnostics;
using Governance.EventStore;
using Governance.EventStore.Projections;

namespace Governance.Bench.Benchmarks;

/// <summary>
/// Steady-state projection lag: events appended at a fixed 500/s (each its own commit) while the daemon runs one
/// async projection that stamps each event with the database clock when it applies it. Lag = applied − the moment the
/// append returned to its writer. Baseline: the append's own p99 in the same run.
/// </summary>
public sealed class LagBenchmark : IBenchmark
{
    private const int PerSecond = 500;

    public string Name => "lag";

    public string Description => "async projection lag p50/p99 at a steady 500 events/s (DESIGN: p99 < 500 ms)";

    public async Task RunAsync(BenchContext context, CancellationToken ct)
    {
        var connectionString = await context.CreateStoreDatabaseAsync(Name, ct);
        var options = BenchContext.CreateOptions(connectionString);
        await using var dataSource = PostgresEventStore.CreateDataSource(options);
        await using var store = BenchContext.CreateStore(dataSource, options);
        await using (var create = dataSource.CreateCommand(AppliedAtProjection.Schema))
        {
            await create.ExecuteNonQueryAsync(ct);
        }

        var projection = new AppliedAtProjection();
        using var daemon = new ProjectionDaemon(dataSource, store, [projection], options);
        await daemon.StartAsync(ct);
        var monitor = new ProjectionMonitor(dataSource);


        // Warm the JIT and the connection pool first: opening dozens of connections (a backend and a SCRAM exchange
        // each) under a fixed-rate load otherwise builds a backlog of seconds that says nothing about the daemon.
        var metadataWarm = BenchEvents.Metadata();
        await Task.WhenAll(Enumerable.Range(0, 16).Select(w => Task.Run(async () =>
        {
            for (var n = 0; n < 30; n++)
            {
                var stream = $"model-warm-{w:D2}-{n:D3}";
                await store.AppendAsync(stream, "model", ExpectedVersion.NoStream, [BenchEvents.Evaluation(stream, n)], metadataWarm, ct);
            }
        }, ct)));
        await monitor.WaitForNonStaleProjectionsAsync(TimeSpan.FromMinutes(1), [projection.Name], ct);

        BenchContext.Log($"lag: {PerSecond} events/s for {context.Warmup + context.Duration} (the first {context.Warmup} not counted)");
        var metadata = BenchEvents.Metadata();
        var total = (int)(PerSecond * (context.Warmup + context.Duration).TotalSeconds);
        var skip = (int)(PerSecond * context.Warmup.TotalSeconds);
        var clock = Stopwatch.StartNew();
        var appends = new List<Task<(long Seq, DateTime Committed, double AppendMs)>>(total);
        for (var i = 0; i < total; i++)
        {
            var due = TimeSpan.FromSeconds((double)i / PerSecond);
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait, ct);
            }

            var stream = $"model-lag-{i:D7}";
            appends.Add(AppendAsync(stream, i));
        }

        var written = (await Task.WhenAll(appends)).Skip(skip).ToList();
        await monitor.WaitForNonStaleProjectionsAsync(TimeSpan.FromMinutes(1), [projection.Name], ct);
        await daemon.StopAsync(ct);

        var applied = new Dictionary<long, DateTime>();
        await using (var read = dataSource.CreateCommand("SELECT seq, applied_at FROM bench.applied"))
        await using (var reader = await read.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                applied[reader.GetInt64(0)] = reader.GetDateTime(1);
            }
        }

        var lags = written.Select(w => applied.TryGetValue(w.Seq, out var at)
            ? (at - w.Committed).TotalMilliseconds
            : throw new InvalidOperationException($"Event {w.Seq} was never applied.")).Order().ToList();
        var appendLatencies = written.Select(w => w.AppendMs).Order().ToList();

        context.Report("lag_events", lags.Count);
        context.Report("lag_rate_per_s", PerSecond);
        context.Report("daemon_batch_interval_ms", options.DaemonBatchInterval.TotalMilliseconds);
        context.Report("daemon_lag_p50_ms", Percentile(lags, 0.50), 1);
        context.Report("daemon_lag_p99_ms", Percentile(lags, 0.99), 1);
        context.Report("daemon_lag_max_ms", lags[^1], 1);
        context.Report("append_p50_ms", Percentile(appendLatencies, 0.50), 2);
        context.Report("append_p99_ms", Percentile(appendLatencies, 0.99), 2);
        context.Report("daemon_lag_p99_vs_append_p99", Percentile(lags, 0.99) / Percentile(appendLatencies, 0.99), 1);

        async Task<(long, DateTime, double)> AppendAsync(string stream, int n)
        {
            var started = Stopwatch.GetTimestamp();
            var result = await store.AppendAsync(stream, "model", ExpectedVersion.NoStream, [BenchEvents.Evaluation(stream, n)], metadata, ct);
            return (result.Events[0].Seq, DateTime.UtcNow, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    /// <summary>Stamps each event with the database clock at the moment the daemon applies it.</summary>
    private sealed class AppliedAtProjection : IAsyncProjection
    {
        public const string Schema = """
            CREATE SCHEMA bench;
            CREATE TABLE bench.applied (seq bigint PRIMARY KEY, applied_at timestamptz NOT NULL);
            """;

        public string Name => "bench_applied_at";

        public Task ApplyAsync(ProjectionContext context, IReadOnlyList<StoredEvent> events, CancellationToken ct)
        {
            context.Enqueue("INSERT INTO bench.applied (seq, applied_at) SELECT s, clock_timestamp() FROM unnest($1::bigint[]) AS s",
                events.Select(e => e.Seq).ToArray());
            return Task.CompletedTask;
        }

        public Task ResetAsync(ProjectionContext context, CancellationToken ct) =>
            context.ExecuteAsync("TRUNCATE bench.applied", ct);
    }
}
