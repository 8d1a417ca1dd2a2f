using Governance.EventLog;
using Governance.EventLog.Guarantees;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace Governance.Bench.Benchmarks;

/// <summary>
/// The <c>append</c> benchmark on the Marten log (issue 12, step 1): single-event appends with an expected version
/// (<c>StartStream</c>, then <c>Append(id, version, …)</c>, hash chain trigger and guards on) against single-row
/// autocommit INSERTs into a copy of <c>mt_events</c> (same columns and indexes; no triggers), 1/8/32 writers.
/// Keys carry a <c>marten_</c> prefix so they sit beside the old store's in one report.
/// </summary>
public sealed class AppendMartenBenchmark : IBenchmark
{
    private const int StreamsPerWriter = 8;
    private const int Rounds = 4;
    private static readonly int[] WriterCounts = [1, 8, 32];

    public string Name => "append-marten";

    public string Description => "events/s of single-event appends on the Marten log vs raw INSERT transactions, 1/8/32 writers";

    public async Task RunAsync(BenchContext context, CancellationToken ct)
    {
        var connectionString = await context.CreateStoreDatabaseAsync(Name, ct);
        var options = new EventLogOptions { ConnectionString = connectionString };
        options.Registry.Register<BenchEvaluationRecorded>("evaluation_recorded");
        await using var dataSource = EventLogStore.CreateDataSource(options);
        using var store = DocumentStore.For(opts =>
        {
            EventLogStore.Configure(opts, options, dataSource, NodaTime.SystemClock.Instance);
            opts.DisableNpgsqlLogging = true;
        });
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await using (var create = dataSource.CreateCommand(
            "CREATE SCHEMA bench; CREATE TABLE bench.raw_events (LIKE governance.mt_events INCLUDING ALL); CREATE SEQUENCE bench.raw_seq"))
        {
            await create.ExecuteNonQueryAsync(ct);
        }

        var writerCounts = Environment.GetEnvironmentVariable("BENCH_APPEND_WRITERS") is { Length: > 0 } list
            ? list.Split(',').Select(int.Parse).ToArray()
            : WriterCounts;
        var serializer = store.Options.Serializer();
        foreach (var writers in writerCounts)
        {
            var (raw, append) = (LoadResult.Empty, LoadResult.Empty);
            var (rawVersions, appendVersions) = (new long[writers, StreamsPerWriter], new long[writers, StreamsPerWriter]);
            for (var round = 0; round < Rounds; round++)
            {
                var warmup = round == 0 ? context.Warmup : TimeSpan.FromMilliseconds(500);
                var one = await RunRawAsync(context, dataSource, serializer, writers, rawVersions, warmup, ct);
                BenchContext.Log($"raw INSERT, {writers} writers, round {round + 1}: {one.PerSecond:F0}/s");
                raw = raw.Add(one);
                one = await RunAppendAsync(context, store, writers, appendVersions, warmup, ct);
                BenchContext.Log($"Marten append, {writers} writers, round {round + 1}: {one.PerSecond:F0}/s");
                append = append.Add(one);
            }

            context.Report($"marten_raw_eps_{writers}", raw.PerSecond);
            context.Report($"marten_append_eps_{writers}", append.PerSecond);
            context.Report($"marten_append_ratio_{writers}", append.PerSecond / raw.PerSecond, 2);
            context.Report($"marten_append_p50_ms_{writers}", append.P50Milliseconds, 2);
            context.Report($"marten_append_p99_ms_{writers}", append.P99Milliseconds, 2);
        }

        var chains = await new HashChainVerifier(dataSource).VerifyAsync(ct);
        context.Report("marten_append_chains_verified", chains.Verified ? "true" : "false");
        context.Report("marten_append_events_total", chains.Events);
    }

    private static Task<LoadResult> RunAppendAsync(BenchContext context, DocumentStore store, int writers, long[,] versions, TimeSpan warmup, CancellationToken ct) =>
        LoadRunner.RunAsync(writers, warmup, context.Duration / Rounds, async (writer, i, token) =>
        {
            var k = (int)(i % StreamsPerWriter);
            var streamId = $"model-append{writers}-w{writer}-s{k}";
            var current = versions[writer, k];
            await using var session = store.LightweightSession().WithMetadata(Metadata);
            var evaluation = BenchEvents.Evaluation(streamId, current + 1);
            if (current == 0)
            {
                session.Events.StartStream<BenchModel>(streamId, evaluation);
            }
            else
            {
                session.Events.Append(streamId, current + 1, evaluation);
            }

            await session.SaveChangesAsync(token);
            versions[writer, k] = current + 1;
        }, ct);

    private static Task<LoadResult> RunRawAsync(
        BenchContext context, NpgsqlDataSource dataSource, ISerializer serializer, int writers, long[,] versions, TimeSpan warmup, CancellationToken ct) =>
        LoadRunner.RunAsync(writers, warmup, context.Duration / Rounds, async (writer, i, token) =>
        {
            var k = (int)(i % StreamsPerWriter);
            var streamId = $"model-raw{writers}-w{writer}-s{k}";
            var version = versions[writer, k] + 1;
            await using var cmd = dataSource.CreateCommand(
                "INSERT INTO bench.raw_events (seq_id, id, stream_id, version, data, type, timestamp, mt_dotnet_type, " +
                "correlation_id, causation_id, user_name, headers) " +
                "VALUES (nextval('bench.raw_seq'), $1, $2, $3, $4, 'evaluation_recorded', $5, $6, $7, $8, $9, $10)");
            cmd.Parameters.Add(new() { Value = Guid.CreateVersion7() });
            cmd.Parameters.Add(new() { Value = streamId });
            cmd.Parameters.Add(new() { Value = version });
            cmd.Parameters.Add(new() { Value = serializer.ToJson(BenchEvents.Evaluation(streamId, version)), NpgsqlDbType = NpgsqlDbType.Jsonb });
            cmd.Parameters.Add(new() { Value = DateTimeOffset.UtcNow });
            cmd.Parameters.Add(new() { Value = typeof(BenchEvaluationRecorded).AssemblyQualifiedName });
            cmd.Parameters.Add(new() { Value = Metadata.CorrelationId });
            cmd.Parameters.Add(new() { Value = Metadata.CausationId });
            cmd.Parameters.Add(new() { Value = Metadata.Actor });
            cmd.Parameters.Add(new() { Value = $$"""{"traceId": "{{Metadata.TraceId}}", "user-agent": "governance-cli/1.4.2"}""", NpgsqlDbType = NpgsqlDbType.Jsonb });
            await cmd.ExecuteNonQueryAsync(token);
            versions[writer, k] = version;
        }, ct);

    private static readonly Governance.EventLog.EventMetadata Metadata = new(
        "user:alice.martin@example.com", Guid.CreateVersion7().ToString(), Guid.CreateVersion7().ToString(), Guid.NewGuid().ToString("N"),
        new Dictionary<string, string>(StringComparer.Ordinal) { ["user-agent"] = "governance-cli/1.4.2" });

    /// <summary>The stream type the benchmark's streams are started with.</summary>
    private sealed class BenchModel;
}
