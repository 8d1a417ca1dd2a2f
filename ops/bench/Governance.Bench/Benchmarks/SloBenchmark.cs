using System.Diagnostics;
using Governance.Processes;
using System.Globalization;
using System.Net;
using System.Text;
using Governance.Api.Slos;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Npgsql;

namespace Governance.Bench.Benchmarks;

/// <summary>
/// SLOs: measurement ingestion over HTTP against the real service (buckets/s, vs. inserting the same rows straight
/// into the table), and one breach-detection pass over 1,000 SLOs with a day of 5-minute buckets each.
/// </summary>
public sealed class SloBenchmark : IBenchmark
{
    private const int Slos = 1_000;
    private const int BucketsPerSlo = 288;
    private const int BucketsPerRequest = 100;

    /// <inheritdoc />
    public string Name => "slo";

    /// <inheritdoc />
    public string Description => "SLO measurements/s over HTTP and one breach-detection pass over 1,000 SLOs";

    /// <inheritdoc />
    public async Task RunAsync(BenchContext context, CancellationToken ct)
    {
        var connectionString = await context.CreateDatabaseAsync("slo", ct);
        await IngestOverHttpAsync(context, connectionString, ct);
        await DetectionPassAsync(context, connectionString, ct);
    }

    private static async Task IngestOverHttpAsync(BenchContext context, string connectionString, CancellationToken ct)
    {
        await using var service = await ServiceProcess.StartAsync(connectionString, ct);
        using var client = service.CreateClient();
        await PostAsync(client, "/api/v1/models", """{"key":"slo-bench","name":"n","team":"bench-team","taskType":"t"}""", HttpStatusCode.Created, ct);
        var created = await PostAsync(client, "/api/v1/slos", """{"name":"bench","model":"slo-bench","stage":"production","objective":0.95,"window":"P28D","labelDelay":"PT1H","description":"d"}""", HttpStatusCode.Created, ct);
        var id = System.Text.Json.JsonDocument.Parse(created).RootElement.GetProperty("id").GetString()!;

        var start = DateTimeOffset.UtcNow.AddDays(-20);
        var counter = 0L;
        string Batch()
        {
            var first = Interlocked.Add(ref counter, BucketsPerRequest) - BucketsPerRequest;
            var json = new StringBuilder("[");
            for (var i = 0; i < BucketsPerRequest; i++)
            {
                var from = start.AddMinutes((first + i) % 5000);
                json.Append(CultureInfo.InvariantCulture, $"{(i == 0 ? "" : ",")}{{\"from\":\"{from:yyyy-MM-ddTHH:mm:ssZ}\",\"to\":\"{from.AddMinutes(1):yyyy-MM-ddTHH:mm:ssZ}\",\"good\":990,\"total\":1000}}");
            }

            return json.Append(']').ToString();
        }

        BenchContext.Log($"slo: ingesting {BucketsPerRequest}-bucket batches over HTTP with 8 clients");
        var http = await LoadRunner.RunAsync(8, context.Warmup, context.Duration, async (_, _, token) =>
            await PostAsync(client, $"/api/v1/slos/{id}/measurements", Batch(), HttpStatusCode.Accepted, token), ct);

        BenchContext.Log("slo: baseline, the same batches inserted straight into the table");
        await using var db = NpgsqlDataSource.Create(connectionString);
        var raw = await LoadRunner.RunAsync(8, context.Warmup, context.Duration, async (_, _, token) =>
        {
            await using var cmd = db.CreateCommand(
                "INSERT INTO governance.slo_measurements (slo_id, bucket_from, bucket_to, good, total, received_at) " +
                "SELECT $1, f, f + interval '1 minute', 990, 1000, now() FROM generate_series(now() - interval '20 days', now() - interval '20 days' + interval '99 minutes', interval '1 minute') f");
            cmd.Parameters.Add(new() { Value = id });
            await cmd.ExecuteNonQueryAsync(token);
        }, ct);

        context.Report("measurements_per_s", http.PerSecond * BucketsPerRequest);
        context.Report("raw_insert_buckets_per_s", raw.PerSecond * BucketsPerRequest);
        context.Report("measurements_vs_raw_ratio", http.PerSecond / raw.PerSecond, 2);
        context.Report("measurements_request_p99_ms", http.P99Milliseconds, 1);
    }

    private static async Task DetectionPassAsync(BenchContext context, string connectionString, CancellationToken ct)
    {
        await using var service = new InProcessService(connectionString, SystemClock.Instance);
        using var client = service.AdminClient();

        BenchContext.Log($"slo: defining {Slos} SLOs with {BucketsPerSlo} buckets each");
        var ids = new string[Slos];
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            for (var i = Interlocked.Increment(ref next); i < Slos; i = Interlocked.Increment(ref next))
            {
                var created = await PostAsync(client, "/api/v1/slos",
                    $$"""{"name":"slo {{i}}","model":"slo-bench","stage":"production","objective":0.99,"window":"P28D","labelDelay":"PT10M","description":"d"}""",
                    HttpStatusCode.Created, ct);
                ids[i] = System.Text.Json.JsonDocument.Parse(created).RootElement.GetProperty("id").GetString()!;
            }
        }, ct)));

        await using var db = NpgsqlDataSource.Create(connectionString);
        await using (var seed = db.CreateCommand(
            "WITH received AS (INSERT INTO governance.slo_measurements (slo_id, bucket_from, bucket_to, good, total, received_at) " +
            "SELECT s, f, f + interval '5 minutes', 995, 1000, now() " +
            "FROM unnest($1::text[]) s, generate_series(now() - interval '1 day', now() - interval '5 minutes', interval '5 minutes') f " +
            "RETURNING slo_id, bucket_from, bucket_to, good, total, seq) " +
            "INSERT INTO governance.slo_buckets SELECT slo_id, bucket_from, bucket_to, good, total, seq FROM received"))
        {
            seed.Parameters.Add(new() { Value = ids });
            await seed.ExecuteNonQueryAsync(ct);
        }

        await using (var analyze = db.CreateCommand("ANALYZE governance.slo_measurements; ANALYZE governance.slo_buckets"))
        {
            await analyze.ExecuteNonQueryAsync(ct);
        }

        // Let the service's daemon finish projecting the definitions, so the passes below do not share the cores with it.
        await Task.Delay(TimeSpan.FromSeconds(5), ct);

        // The pass the operations timer runs, through the service's own detector.
        var detector = service.Services.GetRequiredService<SloBreachDetector>();
        await detector.RunOnceAsync(ct);
        var times = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await detector.RunOnceAsync(ct);
            times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        times.Sort();
        var started2 = Stopwatch.GetTimestamp();
        await using (var scan = db.CreateCommand("SELECT slo_id, sum(good), sum(total) FROM governance.slo_measurements GROUP BY slo_id"))
        await using (var reader = await scan.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
            }
        }

        var scanMs = Stopwatch.GetElapsedTime(started2).TotalMilliseconds;
        context.Report("slo_count", Slos);
        context.Report("slo_buckets", Slos * BucketsPerSlo);
        context.Report("slo_eval_ms_1000", times[times.Count / 2], 1);
        context.Report("slo_plain_sum_scan_ms", scanMs, 1);
        context.Report("slo_eval_vs_scan_ratio", times[times.Count / 2] / scanMs, 2);
    }

    private static async Task<string> PostAsync(HttpClient client, string url, string json, HttpStatusCode expected, CancellationToken ct)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(url, content, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode != expected)
        {
            throw new InvalidOperationException($"POST {url}: expected {(int)expected} but got {(int)response.StatusCode}: {body}");
        }

        return body;
    }
}
