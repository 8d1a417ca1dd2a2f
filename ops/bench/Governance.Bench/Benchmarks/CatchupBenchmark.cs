using System.Diagnostics;
using Governance.EventStore;
using Governance.EventStore.Projections;
using Npgsql;
using NpgsqlTypes;

namespace Governance.Bench.Benchmarks;

/// <summary>
/// How fast the <see cref="ProjectionDaemon"/> catches up from zero over 100,000 events with one async projection
/// that inserts a row per event (unnest, in the daemon's transaction), against a plain paged SELECT of the same rows.
/// </summary>
public sealed class CatchupBenchmark : IBenchmark
{
    private const int Events = 100_000;
    private const int EventsPerAppend = 100;
    private const int Seeders = 4;
    private const int PageSize = 1000;
    private const string SelectColumns =
        "seq, tx_id, id, stream_id, stream_type, version, type, data::text, metadata::text, recorded_at, hash";

    public string Name => "catchup";

    public string Description => "daemon catch-up over 100,000 events with a row-per-event projection vs a paged SELECT";

    public async Task RunAsync(BenchContext context, CancellationToken ct)
    {
        var connectionString = await context.CreateStoreDatabaseAsync(Name, ct);
        var options = BenchContext.CreateOptions(connectionString);
        if (int.TryParse(Environment.GetEnvironmentVariable("BENCH_DAEMON_BATCH_SIZE"), out var batchSize) && batchSize > 0)
        {
            options.DaemonBatchSize = batchSize;
        }

        await using var dataSource = PostgresEventStore.CreateDataSource(options);
        await using var store = BenchContext.CreateStore(dataSource, options);
        await using (var create = dataSource.CreateCommand(EvaluationRowsProjection.Schema))
        {
            await create.ExecuteNonQueryAsync(ct);
        }

        BenchContext.Log($"seeding {Events} events");
        var seeding = Stopwatch.StartNew();
        await SeedAsync(store, ct);
        seeding.Stop();
        context.Report("seed_seconds", seeding.Elapsed.TotalSeconds, 2);
        context.Report("seed_eps", Events / seeding.Elapsed.TotalSeconds);

        // Settle the server after the bulk load (hint bits, visibility map, dirty buffers), so that neither
        // measurement below pays for the seeding's background work.
        await using (var settle = dataSource.CreateCommand("VACUUM ANALYZE governance.events; CHECKPOINT"))
        {
            await settle.ExecuteNonQueryAsync(ct);
        }

        BenchContext.Log("raw paged scan (best of 3)");
        var scan = TimeSpan.MaxValue;
        for (var i = 0; i < 3; i++)
        {
            var one = await ScanAsync(dataSource, ct);
            scan = one < scan ? one : scan;
        }

        context.Report("raw_scan_seconds", scan.TotalSeconds, 3);
        context.Report("raw_scan_eps", Events / scan.TotalSeconds);

        // The daemon's read path alone (horizon predicate + deserialization), to split the catch-up time.
        var reading = Stopwatch.StartNew();
        var read = 0;
        for (var position = LogPosition.Start; ;)
        {
            var page = await store.ReadAllAsync(position, options.DaemonBatchSize, ct);
            if (page.Count == 0)
            {
                break;
            }

            read += page.Count;
            position = page[^1].Position;
        }

        reading.Stop();
        context.Report("read_all_eps", read / reading.Elapsed.TotalSeconds);

        BenchContext.Log("daemon catch-up");
        var projection = new EvaluationRowsProjection();
        using var daemon = new ProjectionDaemon(dataSource, store, [projection], options);
        var monitor = new ProjectionMonitor(dataSource);
        var catchup = Stopwatch.StartNew();
        await daemon.StartAsync(ct);
        await monitor.WaitForNonStaleProjectionsAsync(TimeSpan.FromMinutes(4), [projection.Name], ct);
        catchup.Stop();
        await daemon.StopAsync(ct);

        await using var count = dataSource.CreateCommand("SELECT count(*), count(DISTINCT seq) FROM bench.evaluation_rows");
        await using var reader = await count.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var (rows, distinct) = (reader.GetInt64(0), reader.GetInt64(1));
        if (rows != Events || distinct != Events)
        {
            throw new InvalidOperationException($"The projection holds {rows} rows ({distinct} distinct), expected {Events}.");
        }

        context.Report("catchup_events", Events);
        context.Report("catchup_batch_size", options.DaemonBatchSize);
        context.Report("catchup_seconds", catchup.Elapsed.TotalSeconds, 3);
        context.Report("catchup_eps", Events / catchup.Elapsed.TotalSeconds);
        context.Report("catchup_ratio", scan.TotalSeconds / catchup.Elapsed.TotalSeconds, 2);
    }

    private static async Task SeedAsync(PostgresEventStore store, CancellationToken ct)
    {
        var streams = Events / EventsPerAppend;
        var next = -1;
        var metadata = BenchEvents.Metadata();
        await Task.WhenAll(Enumerable.Range(0, Seeders).Select(_ => Task.Run(async () =>
        {
            for (var s = Interlocked.Increment(ref next); s < streams; s = Interlocked.Increment(ref next))
            {
                var streamId = $"model-catchup-{s:D5}";
                var events = Enumerable.Range(1, EventsPerAppend).Select(n => (object)BenchEvents.Evaluation(streamId, n)).ToList();
                await store.AppendAsync(streamId, "model", ExpectedVersion.NoStream, events, metadata, ct);
            }
        }, ct)));
    }

    /// <summary>The same rows and columns the daemon reads, in the same order and pages, without deserializing or writing.</summary>
    private static async Task<TimeSpan> ScanAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var watch = Stopwatch.StartNew();
        var (tx, seq, total) = (0UL, 0L, 0);
        while (true)
        {
            await using var cmd = new NpgsqlCommand(
                $"SELECT {SelectColumns} FROM governance.events WHERE (tx_id, seq) > ($1, $2) ORDER BY tx_id, seq LIMIT $3",
                connection);
            cmd.Parameters.Add(new() { Value = tx, NpgsqlDbType = NpgsqlDbType.Xid8 });
            cmd.Parameters.Add(new() { Value = seq });
            cmd.Parameters.Add(new() { Value = PageSize });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            var page = 0;
            while (await reader.ReadAsync(ct))
            {
                seq = reader.GetInt64(0);
                tx = reader.GetFieldValue<ulong>(1);
                _ = reader.GetGuid(2);
                _ = reader.GetString(3);
                _ = reader.GetString(4);
                _ = reader.GetInt32(5);
                _ = reader.GetString(6);
                _ = reader.GetString(7);
                _ = reader.GetString(8);
                _ = reader.GetDateTime(9);
                _ = reader.GetFieldValue<byte[]>(10);
                page++;
            }

            total += page;
            if (page < PageSize)
            {
                break;
            }
        }

        watch.Stop();
        return total == Events ? watch.Elapsed : throw new InvalidOperationException($"The scan read {total} events, expected {Events}.");
    }

    /// <summary>A realistic read model: one relational row per evaluation, batch-inserted with unnest.</summary>
    private sealed class EvaluationRowsProjection : IAsyncProjection
    {
        public const string Schema = """
            CREATE SCHEMA bench;
            CREATE TABLE bench.evaluation_rows (
                seq          bigint PRIMARY KEY,
                model_id     text NOT NULL,
                version      int NOT NULL,
                metric       text NOT NULL,
                value        double precision NOT NULL,
                passed       boolean NOT NULL,
                actor        text NOT NULL,
                evaluated_at timestamptz NOT NULL
            );
            CREATE INDEX evaluation_rows_model ON bench.evaluation_rows (model_id, metric, evaluated_at);
            """;

        public string Name => "bench_evaluation_rows";

        public async Task ApplyAsync(ProjectionContext context, IReadOnlyList<StoredEvent> events, CancellationToken ct)
        {
            var rows = events.Where(e => e.Data is BenchEvaluationRecorded).ToList();
            var seq = new long[rows.Count];
            var model = new string[rows.Count];
            var version = new int[rows.Count];
            var metric = new string[rows.Count];
            var value = new double[rows.Count];
            var passed = new bool[rows.Count];
            var actor = new string[rows.Count];
            var at = new DateTime[rows.Count];
            for (var i = 0; i < rows.Count; i++)
            {
                var e = rows[i];
                var data = (BenchEvaluationRecorded)e.Data;
                (seq[i], model[i], version[i], metric[i], value[i], passed[i], actor[i], at[i]) =
                    (e.Seq, data.ModelId, e.Version, data.Metric, data.Value, data.Passed, e.Metadata.Actor, data.EvaluatedAt.ToDateTimeUtc());
            }

            await context.ExecuteAsync(
                "INSERT INTO bench.evaluation_rows (seq, model_id, version, metric, value, passed, actor, evaluated_at) " +
                "SELECT * FROM unnest($1::bigint[], $2::text[], $3::int[], $4::text[], $5::float8[], $6::bool[], $7::text[], $8::timestamptz[])",
                ct, seq, model, version, metric, value, passed, actor, at);
        }

        public Task ResetAsync(ProjectionContext context, CancellationToken ct) =>
            context.ExecuteAsync("TRUNCATE bench.evaluation_rows", ct);
    }
}
