using System.Diagnostics;
using System.Net;
using System.Text;
using NodaTime;
using NodaTime.Text;

namespace Governance.Bench.Benchmarks;

/// <summary>
/// A model with 10,000 events, written through the API with the service's clock moved ten minutes between commands:
/// the time to serve its stored document (what GET answers), to build it from the whole log (what the docs projection
/// does when it regenerates) and to build it as of a past instant (<c>?at=</c>, nearly the whole history folded).
/// </summary>
public sealed class DocsBenchmark : IBenchmark
{
    private const int Events = 10_000;
    private const string Model = "big-model";

    /// <inheritdoc />
    public string Name => "docs";

    /// <inheritdoc />
    public string Description => "render a 10,000-event model document now and as of a past instant";

    /// <inheritdoc />
    public async Task RunAsync(BenchContext context, CancellationToken ct)
    {
        var connectionString = await context.CreateDatabaseAsync("docs", ct);
        var clock = new ManualClock(Instant.FromUtc(2026, 1, 1, 0, 0));
        await using var service = new InProcessService(connectionString, clock);
        using var client = service.AdminClient();

        BenchContext.Log($"docs: writing {Events} events for one model through the API");
        await PostAsync(client, "/api/v1/models",
            $$"""{"key":"{{Model}}","name":"Big model","description":"A model with a long history","team":"bench-team","taskType":"classification","kpis":[{"name":"loss"}]}""", ct);

        // Nine version registrations (each a stream of its own) to one knowledge note (on the model's stream, which
        // every note command folds): the history is long without making the seeding quadratic. Four writers; the
        // clock moves ten minutes before each command.
        var lateInstant = clock.Now;
        var next = 0;
        var seeding = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            for (var n = Interlocked.Increment(ref next); n < Events; n = Interlocked.Increment(ref next))
            {
                clock.Advance(Duration.FromMinutes(10));
                if (n == Events - 1)
                {
                    // The worst case for at=: an instant just before the last event, so nearly the whole history is folded.
                    lateInstant = clock.Now.Minus(Duration.FromMinutes(5));
                    clock.Advance(Duration.FromMinutes(10));
                }

                if (n % 10 == 0)
                {
                    await PostAsync(client, $"/api/v1/models/{Model}/notes",
                        $$"""{"title":"Observation {{n}}","body":"Something someone learned the hard way.","tags":["ops"]}""", ct);
                }
                else
                {
                    await PostAsync(client, $"/api/v1/models/{Model}/versions",
                        $$"""{"version":"{{n}}.0","artifactUri":"s3://m/{{n}}","digest":"sha256:{{new string('a', 64)}}","codeCommit":"abc"}""", ct);
                }

                if (n % 1000 == 0)
                {
                    BenchContext.Log($"docs: {n} events written ({n / seeding.Elapsed.TotalSeconds:F0}/s)");
                }
            }
        }, ct)));

        var url = $"/api/v1/docs/models/{Model}";
        var added = await WaitForStoredDocumentAsync(client, connectionString, ct);

        var now = clock.Now.Plus(Duration.FromMinutes(1));
        var atNow = $"{url}?at={InstantPattern.ExtendedIso.Format(now)}";
        var atLate = $"{url}?at={InstantPattern.ExtendedIso.Format(lateInstant)}";
        for (var i = 0; i < 3; i++)
        {
            await GetAsync(client, atNow, ct);
        }

        var markdown = await GetAsync(client, url, ct);
        var read = await TimeAsync(() => GetAsync(client, url, ct));
        var regenerate = await TimeAsync(() => GetAsync(client, atNow, ct));
        var at = await TimeAsync(() => GetAsync(client, atLate, ct));

        context.Report("doc_events", Events + added);
        context.Report("doc_markdown_kb", Encoding.UTF8.GetByteCount(markdown) / 1024.0, 0);
        // The current document is what GET serves (kept by the projection); regenerating it is the projection's cost.
        context.Report("doc_render_ms", read, 1);
        context.Report("doc_regenerate_ms", regenerate, 1);
        context.Report("doc_at_ms", at, 1);
        context.Report("doc_regenerate_vs_read_ratio", regenerate / read, 1);
    }

    /// <summary>
    /// Waits until GET serves the stored document. The docs projection regenerates a long document at most every
    /// 50 times as long as the last regeneration took, and only when an event arrives; in between it marks the document
    /// stale and readers render it from the log. So: one more note every two seconds until a regeneration has run
    /// (three minutes at most). Returns the notes added.
    /// </summary>
    private static async Task<int> WaitForStoredDocumentAsync(HttpClient client, string connectionString, CancellationToken ct)
    {
        await using var db = Npgsql.NpgsqlDataSource.Create(connectionString);
        var waited = Stopwatch.StartNew();
        for (var added = 0; waited.Elapsed < TimeSpan.FromMinutes(3); added++)
        {
            await using (var fresh = db.CreateCommand($"SELECT count(*) FROM governance.model_docs WHERE key = '{Model}' AND NOT stale"))
            {
                if ((long)(await fresh.ExecuteScalarAsync(ct))! == 1)
                {
                    BenchContext.Log($"docs: stored document current after {waited.Elapsed.TotalSeconds:F1} s and {added} more notes");
                    return added;
                }
            }

            await PostAsync(client, $"/api/v1/models/{Model}/notes",
                $$"""{"title":"Late observation {{added}}","body":"Written to let the document regenerate.","tags":["ops"]}""", ct);
            await Task.Delay(TimeSpan.FromSeconds(2), ct);
        }

        throw new TimeoutException("The docs projection did not regenerate the document within three minutes.");
    }

    /// <summary>Median of seven runs.</summary>
    private static async Task<double> TimeAsync<T>(Func<Task<T>> action)
    {
        var times = new List<double>();
        for (var i = 0; i < 7; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await action();
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        times.Sort();
        return times[times.Count / 2];
    }

    /// <summary>POSTs a command; a conflict with another writer of the same stream is retried, as a client would.</summary>
    private static async Task PostAsync(HttpClient client, string url, string json, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var content = new StringContent(json, Encoding.UTF8, "application/json");
            using var response = await client.PostAsync(url, content, ct);
            if (response.StatusCode == HttpStatusCode.Created)
            {
                return;
            }

            if (response.StatusCode != HttpStatusCode.Conflict || attempt == 20)
            {
                throw new InvalidOperationException($"POST {url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
            }
        }
    }

    private static async Task<string> GetAsync(HttpClient client, string url, CancellationToken ct)
    {
        using var response = await client.GetAsync(url, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        return response.StatusCode == HttpStatusCode.OK
            ? body
            : throw new InvalidOperationException($"GET {url}: {(int)response.StatusCode} {body}");
    }

}
