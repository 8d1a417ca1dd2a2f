using System.Security.Cryptography;
using System.Text;
using Governance.EventStore;
using Governance.EventStore.Serialization;
using Npgsql;
using NpgsqlTypes;

namespace Governance.Bench.Benchmarks;

/// <summary>
/// Single-event appends through <see cref="PostgresEventStore.AppendAsync(string, string, ExpectedVersion, IReadOnlyList{object}, EventMetadata, CancellationToken)"/>
/// against the floor PostgreSQL's commit sets: single-row autocommit INSERTs into a copy of the events table
/// (same columns, constraints and indexes; no triggers), with 1, 8 and 32 writers, each on its own streams.
/// </summary>
public sealed class AppendBenchmark : IBenchmark
{
    private const int StreamsPerWriter = 8;
    private const int Rounds = 4;
    private static readonly int[] WriterCounts = [1, 8, 32];

    public string Name => "append";

    public string Description => "events/s of single-event appends vs raw INSERT transactions, 1/8/32 writers";

    public async Task RunAsync(BenchContext context, CancellationToken ct)
    {
        var connectionString = await context.CreateStoreDatabaseAsync(Name, ct);
        var options = BenchContext.CreateOptions(connectionString);
        await using var dataSource = PostgresEventStore.CreateDataSource(options);
        await using var store = BenchContext.CreateStore(dataSource, options);
        var serializer = new EventSerializer(options.Registry);

        await using (var create = dataSource.CreateCommand(
            "CREATE SCHEMA bench; CREATE TABLE bench.raw_events (LIKE governance.events INCLUDING ALL)"))
        {
            await create.ExecuteNonQueryAsync(ct);
        }

        var sample = BenchEvents.Evaluation("model-fraud-detector-0001", 1);
        context.Report("event_json_bytes", Encoding.UTF8.GetByteCount(serializer.Serialize(sample).Json));
        context.Report("metadata_json_bytes", Encoding.UTF8.GetByteCount(serializer.SerializeMetadata(BenchEvents.Metadata())));

        var writerCounts = Environment.GetEnvironmentVariable("BENCH_APPEND_WRITERS") is { Length: > 0 } list
            ? list.Split(',').Select(int.Parse).ToArray()
            : WriterCounts;
        foreach (var writers in writerCounts)
        {
            // Alternate the two in rounds, so that a change in the machine's load hits both alike.
            var (raw, append) = (LoadResult.Empty, LoadResult.Empty);
            var (rawVersions, appendVersions) = (new long[writers, StreamsPerWriter], new long[writers, StreamsPerWriter]);
            for (var round = 0; round < Rounds; round++)
            {
                var warmup = round == 0 ? context.Warmup : TimeSpan.FromMilliseconds(500);
                var one = await RunRawAsync(context, dataSource, serializer, writers, rawVersions, warmup, ct);
                BenchContext.Log($"raw INSERT, {writers} writers, round {round + 1}: {one.PerSecond:F0}/s");
                raw = raw.Add(one);
                one = await RunAppendAsync(context, store, writers, appendVersions, warmup, ct);
                BenchContext.Log($"store append, {writers} writers, round {round + 1}: {one.PerSecond:F0}/s");
                append = append.Add(one);
            }

            context.Report($"raw_eps_{writers}", raw.PerSecond);
            context.Report($"append_eps_{writers}", append.PerSecond);
            context.Report($"append_ratio_{writers}", append.PerSecond / raw.PerSecond, 2);
            context.Report($"raw_p50_ms_{writers}", raw.P50Milliseconds, 2);
            context.Report($"raw_p99_ms_{writers}", raw.P99Milliseconds, 2);
            context.Report($"append_p50_ms_{writers}", append.P50Milliseconds, 2);
            context.Report($"append_p99_ms_{writers}", append.P99Milliseconds, 2);
        }

        var chains = await store.VerifyHashChainsAsync(ct);
        context.Report("append_chains_verified", chains.Verified ? "true" : "false");
        context.Report("append_events_total", chains.Events);
    }

    private static Task<LoadResult> RunAppendAsync(BenchContext context, PostgresEventStore store, int writers, long[,] versions, TimeSpan warmup, CancellationToken ct) =>
        LoadRunner.RunAsync(writers, warmup, context.Duration / Rounds, async (writer, i, token) =>
        {
            var k = (int)(i % StreamsPerWriter);
            var streamId = $"model-append{writers}-w{writer}-s{k}";
            var current = versions[writer, k];
            var expected = current == 0 ? ExpectedVersion.NoStream : ExpectedVersion.Exactly(current);
            await store.AppendAsync(streamId, "model", expected, [BenchEvents.Evaluation(streamId, current + 1)], BenchEvents.Metadata(), token);
            versions[writer, k] = current + 1;
        }, ct);

    private static Task<LoadResult> RunRawAsync(
        BenchContext context, NpgsqlDataSource dataSource, EventSerializer serializer, int writers, long[,] versions, TimeSpan warmup, CancellationToken ct) =>
        LoadRunner.RunAsync(writers, warmup, context.Duration / Rounds, async (writer, i, token) =>
        {
            var k = (int)(i % StreamsPerWriter);
            var streamId = $"model-raw{writers}-w{writer}-s{k}";
            var version = versions[writer, k] + 1;
            var (type, json) = serializer.Serialize(BenchEvents.Evaluation(streamId, version));
            var metadata = serializer.SerializeMetadata(BenchEvents.Metadata());
            await using var cmd = dataSource.CreateCommand(
                "INSERT INTO bench.raw_events (id, stream_id, stream_type, version, type, data, metadata, hash) " +
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)");
            cmd.Parameters.Add(new() { Value = Guid.CreateVersion7() });
            cmd.Parameters.Add(new() { Value = streamId });
            cmd.Parameters.Add(new() { Value = "model" });
            cmd.Parameters.Add(new() { Value = (int)version });
            cmd.Parameters.Add(new() { Value = type });
            cmd.Parameters.Add(new() { Value = json, NpgsqlDbType = NpgsqlDbType.Jsonb });
            cmd.Parameters.Add(new() { Value = metadata, NpgsqlDbType = NpgsqlDbType.Jsonb });
            cmd.Parameters.Add(new() { Value = SHA256.HashData(Encoding.UTF8.GetBytes(json)) });
            await cmd.ExecuteNonQueryAsync(token);
            versions[writer, k] = version;
        }, ct);
}
