using System.Text;
using Governance.EventLog;
using Governance.EventLog.Guarantees;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace Governance.Bench.Benchmarks;

/// <summary>
/// Single-event appends through the event log's append path — a Marten session, <c>StartStream</c> and then
/// <c>Append(id, expectedVersion, …)</c>, Quick mode with the exclusive append lock, the guard and hash-chain triggers —
/// against the floor PostgreSQL's commit sets: single-row autocommit INSERTs into a copy of <c>mt_events</c> (same
/// columns, defaults and indexes; no triggers, no foreign key), through the same data source, with 1, 8 and 32 writers,
/// each on its own streams.
/// </summary>
public sealed class AppendBenchmark : IBenchmark
{
    private const int StreamsPerWriter = 8;
    private const int Rounds = 4;
    private static readonly int[] WriterCounts = [1, 8, 32];

    public string Name => "append";

    public string Description => "events/s of single-event appends on the Marten log vs raw INSERT transactions, 1/8/32 writers";

    public async Task RunAsync(BenchContext context, CancellationToken ct)
    {
        var connectionString = await context.CreateDatabaseAsync(Name, ct);
        await using var log = await BenchLog.OpenAsync(connectionString);
        await using (var create = log.DataSource.CreateCommand(
            "CREATE SCHEMA bench; CREATE TABLE bench.raw_events (LIKE governance.mt_events INCLUDING ALL); CREATE SEQUENCE bench.raw_seq"))
        {
            await create.ExecuteNonQueryAsync(ct);
        }

        var serializer = log.Store.Options.Serializer();
        var metadata = BenchEvents.Metadata();
        context.Report("event_json_bytes", Encoding.UTF8.GetByteCount(serializer.ToJson(BenchEvents.Evaluation("model-fraud-detector-0001", 1))));
        context.Report("metadata_json_bytes", Encoding.UTF8.GetByteCount(HeadersJson(metadata)) + Encoding.UTF8.GetByteCount(
            metadata.Actor + metadata.CorrelationId + metadata.CausationId));

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
                var one = await RunRawAsync(context, log.DataSource, serializer, metadata, writers, rawVersions, warmup, ct);
                BenchContext.Log($"raw INSERT, {writers} writers, round {round + 1}: {one.PerSecond:F0}/s");
                raw = raw.Add(one);
                one = await RunAppendAsync(context, log, metadata, writers, appendVersions, warmup, ct);
                BenchContext.Log($"log append, {writers} writers, round {round + 1}: {one.PerSecond:F0}/s");
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

        var chains = await new HashChainVerifier(log.DataSource).VerifyAsync(ct);
        context.Report("append_chains_verified", chains.Verified ? "true" : "false");
        context.Report("append_events_total", chains.Events);
    }

    /// <summary>What a command does: a session with the request's metadata, one event, the version it read.</summary>
    private static Task<LoadResult> RunAppendAsync(
        BenchContext context, BenchLog log, EventMetadata metadata, int writers, long[,] versions, TimeSpan warmup, CancellationToken ct) =>
        LoadRunner.RunAsync(writers, warmup, context.Duration / Rounds, async (writer, i, token) =>
        {
            var k = (int)(i % StreamsPerWriter);
            var streamId = $"model-append{writers}-w{writer}-s{k}";
            var current = versions[writer, k];
            await using var session = log.Session(metadata);
            var evaluation = BenchEvents.Evaluation(streamId, current + 1);
            if (current == 0)
            {
                session.Events.StartStream<BenchModel>(streamId, evaluation);
            }
            else
            {
                // The version the stream will have after this append: Marten checks (and locks) current in the same
                // statement that appends, so there is no read round trip.
                session.Events.Append(streamId, current + 1, evaluation);
            }

            await session.SaveChangesAsync(token);
            versions[writer, k] = current + 1;
        }, ct);

    private static Task<LoadResult> RunRawAsync(
        BenchContext context, NpgsqlDataSource dataSource, ISerializer serializer, EventMetadata metadata, int writers, long[,] versions,
        TimeSpan warmup, CancellationToken ct)
    {
        var headers = HeadersJson(metadata);
        return LoadRunner.RunAsync(writers, warmup, context.Duration / Rounds, async (writer, i, token) =>
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
            cmd.Parameters.Add(new() { Value = metadata.CorrelationId });
            cmd.Parameters.Add(new() { Value = metadata.CausationId });
            cmd.Parameters.Add(new() { Value = metadata.Actor });
            cmd.Parameters.Add(new() { Value = headers, NpgsqlDbType = NpgsqlDbType.Jsonb });
            await cmd.ExecuteNonQueryAsync(token);
            versions[writer, k] = version;
        }, ct);
    }

    /// <summary>The <c>headers</c> column the log writes for <paramref name="metadata"/> (trace id and client headers).</summary>
    private static string HeadersJson(EventMetadata metadata) =>
        System.Text.Json.JsonSerializer.Serialize(
            new Dictionary<string, string?>(metadata.Headers!.ToDictionary(h => h.Key, h => (string?)h.Value), StringComparer.Ordinal)
            {
                [EventMetadata.TraceIdHeader] = metadata.TraceId,
            });
}
