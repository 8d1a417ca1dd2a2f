using System.Diagnostics;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Projections;
using Npgsql;

namespace Governance.Bench.Benchmarks;

/// <summary>
/// How fast Marten's async daemon catches a projection up from zero over 100,000 events: one async projection that
/// inserts a row per event (one unnest INSERT per batch, in the daemon's transaction), against a plain paged SELECT of
/// the same rows and columns.
/// </summary>
public sealed class CatchupBenchmark : IBenchmark
{
    private const int Events = 100_000;
    private const int EventsPerAppend = 100;
    private const int Seeders = 4;
    private const int PageSize = 1000;

    // What Marten's daemon reads of each event.
    private const string SelectColumns =
        "seq_id, id, stream_id, version, data::text, type, timestamp, tenant_id, mt_dotnet_type, correlation_id, causation_id, " +
        "headers::text, user_name, is_archived";

    public string Name => "catchup";

    public string Description => "Marten daemon catch-up over 100,000 events with a row-per-event projection vs a paged SELECT";

    public async Task RunAsync(BenchContext context, CancellationToken ct)
    {
        var connectionString = await context.CreateDatabaseAsync(Name, ct);
        var projection = new EvaluationRowsProjection();
        var batchSize = 0;
        await using var log = await BenchLog.OpenAsync(connectionString, opts => opts.Projections.Add(projection, ProjectionLifecycle.Async,
            EvaluationRowsProjection.Name, options =>
            {
                if (int.TryParse(Environment.GetEnvironmentVariable("BENCH_DAEMON_BATCH_SIZE"), out var size) && size > 0)
                {
                    options.BatchSize = size;
                }

                batchSize = options.BatchSize;
            }));
        await using (var create = log.DataSource.CreateCommand(EvaluationRowsProjection.Schema))
        {
            await create.ExecuteNonQueryAsync(ct);
        }

        BenchContext.Log($"seeding {Events} events");
        var seeding = Stopwatch.StartNew();
        await SeedAsync(log, ct);
        seeding.Stop();
        context.Report("seed_seconds", seeding.Elapsed.TotalSeconds, 2);
        context.Report("seed_eps", Events / seeding.Elapsed.TotalSeconds);

        // Settle the server after the bulk load (hint bits, visibility map, dirty buffers), so that neither
        // measurement below pays for the seeding's background work.
        await using (var settle = log.DataSource.CreateCommand("VACUUM ANALYZE governance.mt_events; CHECKPOINT"))
        {
            await settle.ExecuteNonQueryAsync(ct);
        }

        BenchContext.Log("raw paged scan (best of 3)");
        var scan = TimeSpan.MaxValue;
        for (var i = 0; i < 3; i++)
        {
            var one = await ScanAsync(log.DataSource, ct);
            scan = one < scan ? one : scan;
        }

        context.Report("raw_scan_seconds", scan.TotalSeconds, 3);
        context.Report("raw_scan_eps", Events / scan.TotalSeconds);

        // Marten's read path alone (SQL, then event and metadata deserialization), to split the catch-up time.
        var reading = Stopwatch.StartNew();
        var read = 0;
        await using (var query = log.Store.QuerySession())
        {
            for (var position = 0L; ;)
            {
                var page = await query.Events.QueryAllRawEvents()
                    .Where(e => e.Sequence > position).OrderBy(e => e.Sequence).Take(PageSize).ToListAsync(ct);
                if (page.Count == 0)
                {
                    break;
                }

                read += page.Count;
                position = page[^1].Sequence;
            }
        }

        reading.Stop();
        context.Report("read_all_eps", read / reading.Elapsed.TotalSeconds);

        BenchContext.Log("daemon catch-up");
        var last = await ScalarAsync<long>(log.DataSource, "SELECT max(seq_id) FROM governance.mt_events", ct);
        using var daemon = await log.Store.BuildProjectionDaemonAsync();
        var catchup = Stopwatch.StartNew();
        await daemon.StartAllAsync();
        await WaitForProgressAsync(log.DataSource, EvaluationRowsProjection.Name, last, TimeSpan.FromMinutes(4), ct);
        catchup.Stop();
        await daemon.StopAllAsync();

        await using var count = log.DataSource.CreateCommand("SELECT count(*), count(DISTINCT seq) FROM bench.evaluation_rows");
        await using var reader = await count.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var (rows, distinct) = (reader.GetInt64(0), reader.GetInt64(1));
        if (rows != Events || distinct != Events)
        {
            throw new InvalidOperationException($"The projection holds {rows} rows ({distinct} distinct), expected {Events}.");
        }

        context.Report("catchup_events", Events);
        context.Report("catchup_batch_size", batchSize);
        context.Report("catchup_seconds", catchup.Elapsed.TotalSeconds, 3);
        context.Report("catchup_eps", Events / catchup.Elapsed.TotalSeconds);
        context.Report("catchup_ratio", scan.TotalSeconds / catchup.Elapsed.TotalSeconds, 2);
    }

    /// <summary>Waits until the daemon has recorded <paramref name="name"/>'s progress at or past <paramref name="sequence"/>.</summary>
    internal static async Task WaitForProgressAsync(NpgsqlDataSource dataSource, string name, long sequence, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var progress = await ScalarAsync<long?>(dataSource,
                $"SELECT max(last_seq_id) FROM governance.mt_event_progression WHERE name LIKE '{name}:%'", ct);
            if (progress >= sequence)
            {
                return;
            }

            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"Projection {name} reached {progress} of {sequence} in {timeout}.");
            }

            await Task.Delay(5, ct);
        }
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource dataSource, string sql, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(sql);
        var value = await cmd.ExecuteScalarAsync(ct);
        return value is DBNull or null ? default! : (T)value;
    }

    private static async Task SeedAsync(BenchLog log, CancellationToken ct)
    {
        var streams = Events / EventsPerAppend;
        var next = -1;
        var metadata = BenchEvents.Metadata();
        await Task.WhenAll(Enumerable.Range(0, Seeders).Select(_ => Task.Run(async () =>
        {
            for (var s = Interlocked.Increment(ref next); s < streams; s = Interlocked.Increment(ref next))
            {
                var streamId = $"model-catchup-{s:D5}";
                await using var session = log.Session(metadata);
                session.Events.StartStream<BenchModel>(streamId, Enumerable.Range(1, EventsPerAppend).Select(n => (object)BenchEvents.Evaluation(streamId, n)));
                await session.SaveChangesAsync(ct);
            }
        }, ct)));
    }

    /// <summary>The same rows and columns the daemon reads, in the same order and pages, without deserializing or writing.</summary>
    private static async Task<TimeSpan> ScanAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var watch = Stopwatch.StartNew();
        var (seq, total) = (0L, 0);
        while (true)
        {
            await using var cmd = new NpgsqlCommand(
                $"SELECT {SelectColumns} FROM governance.mt_events WHERE seq_id > $1 ORDER BY seq_id LIMIT $2", connection);
            cmd.Parameters.Add(new() { Value = seq });
            cmd.Parameters.Add(new() { Value = PageSize });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            var page = 0;
            while (await reader.ReadAsync(ct))
            {
                seq = reader.GetInt64(0);
                _ = reader.GetGuid(1);
                _ = reader.GetString(2);
                _ = reader.GetInt64(3);
                _ = reader.GetString(4);
                _ = reader.GetString(5);
                _ = reader.GetFieldValue<NodaTime.Instant>(6);
                _ = reader.GetString(7);
                _ = reader.GetString(8);
                _ = reader.GetString(9);
                _ = reader.GetString(10);
                _ = reader.GetString(11);
                _ = reader.GetString(12);
                _ = reader.GetBoolean(13);
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

    /// <summary>A realistic read model: one relational row per evaluation, one unnest INSERT per daemon batch.</summary>
    private sealed class EvaluationRowsProjection : IProjection
    {
        public const string Name = "bench_evaluation_rows";

        public const string Schema = """
            CREATE SCHEMA bench;
            CREATE TABLE bench.evaluation_rows (
                seq          bigint PRIMARY KEY,
                model_id     text NOT NULL,
                version      bigint NOT NULL,
                metric       text NOT NULL,
                value        double precision NOT NULL,
                passed       boolean NOT NULL,
                actor        text NOT NULL,
                evaluated_at timestamptz NOT NULL
            );
            CREATE INDEX evaluation_rows_model ON bench.evaluation_rows (model_id, metric, evaluated_at);
            """;

        public Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
        {
            var rows = events.Where(e => e.Data is BenchEvaluationRecorded).ToList();
            if (rows.Count == 0)
            {
                return Task.CompletedTask;
            }

            var seq = new long[rows.Count];
            var model = new string[rows.Count];
            var version = new long[rows.Count];
            var metric = new string[rows.Count];
            var value = new double[rows.Count];
            var passed = new bool[rows.Count];
            var actor = new string[rows.Count];
            var at = new NodaTime.Instant[rows.Count];
            for (var i = 0; i < rows.Count; i++)
            {
                var e = rows[i];
                var data = (BenchEvaluationRecorded)e.Data;
                (seq[i], model[i], version[i], metric[i], value[i], passed[i], actor[i], at[i]) =
                    (e.Sequence, data.ModelId, e.Version, data.Metric, data.Value, data.Passed, e.UserName ?? "", data.EvaluatedAt);
            }

            operations.QueueSqlCommand(
                "INSERT INTO bench.evaluation_rows (seq, model_id, version, metric, value, passed, actor, evaluated_at) " +
                "SELECT * FROM unnest(?::bigint[], ?::text[], ?::bigint[], ?::text[], ?::float8[], ?::bool[], ?::text[], ?::timestamptz[])",
                seq, model, version, metric, value, passed, actor, at);
            return Task.CompletedTask;
        }
    }
}
