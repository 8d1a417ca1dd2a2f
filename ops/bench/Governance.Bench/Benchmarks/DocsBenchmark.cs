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
        var written = 1;
        var version = 0;
        var lastNote = "";
        var lateInstant = clock.Now;
        while (written < Events)
        {
            clock.Advance(Duration.FromMinutes(10));
            if (written == Events - 1)
            {
                // The worst case for at=: an instant just before the last event, so nearly the whole history is folded.
                lateInstant = clock.Now.Minus(Duration.FromMinutes(5));
            }

            if (written % 10 == 0)
            {
                version++;
                var parents = version > 1 ? $"[\"{Model}@{version - 1}.0\"]" : "[]";
                await PostAsync(client, $"/api/v1/models/{Model}/versions",
                    $$"""{"version":"{{version}}.0","artifactUri":"s3://m/{{version}}","digest":"sha256:{{new string('a', 64)}}","parents":{{parents}},"codeCommit":"abc"}""", ct);
            }
            else
            {
                lastNote = $"Observation {written}";
                await PostAsync(client, $"/api/v1/models/{Model}/notes",
                    $$"""{"title":"{{lastNote}}","body":"Something someone learned the hard way.","tags":["ops"]}""", ct);
            }

            written++;
        }

        var url = $"/api/v1/docs/models/{Model}";
        var stored = await WaitForStoredDocumentAsync(client, url, lastNote, ct);
        context.Report("doc_stored_current", stored ? "true" : "false");

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

        context.Report("doc_events", Events);
        context.Report("doc_markdown_kb", Encoding.UTF8.GetByteCount(markdown) / 1024.0, 0);
        // The current document is what GET serves (kept by the projection); regenerating it is the projection's cost.
        context.Report("doc_render_ms", read, 1);
        context.Report("doc_regenerate_ms", regenerate, 1);
        context.Report("doc_at_ms", at, 1);
        context.Report("doc_regenerate_vs_read_ratio", regenerate / read, 1);
    }

    /// <summary>Waits for the docs projection to have written the document with the last note (two minutes at most).</summary>
    private static async Task<bool> WaitForStoredDocumentAsync(HttpClient client, string url, string lastNote, CancellationToken ct)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromMinutes(2))
        {
            if ((await GetAsync(client, url, ct)).Contains(lastNote, StringComparison.Ordinal))
            {
                BenchContext.Log($"docs: stored document current after {waited.Elapsed.TotalSeconds:F1} s");
                return true;
            }

            await Task.Delay(200, ct);
        }

        BenchContext.Log("docs: the stored document did not show the last note within two minutes");
        return false;
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

    private static async Task PostAsync(HttpClient client, string url, string json, CancellationToken ct)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(url, content, ct);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"POST {url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
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
