using System.Diagnostics;
using Governance.Api;
using Governance.Api.Docs;
using Governance.Api.Models;
using Governance.Api.ModelVersions;
using Governance.EventStore;
using Governance.EventStore.Serialization;
using NodaTime;
using Npgsql;

namespace Governance.Bench.Benchmarks;

/// <summary>
/// A model with 10,000 events: time to build its document from the log now (what the projection does on every
/// relevant event) and as of a past instant, against reading the stored document (the baseline: what GET serves).
/// </summary>
public sealed class DocsBenchmark : IBenchmark
{
    private const int Events = 10_000;

    /// <inheritdoc />
    public string Name => "docs";

    /// <inheritdoc />
    public string Description => "render a 10,000-event model document now and as of a past instant";

    /// <inheritdoc />
    public async Task RunAsync(BenchContext context, CancellationToken ct)
    {
        var connectionString = await context.CreateStoreDatabaseAsync("docs", ct);
        var options = new EventStoreOptions { ConnectionString = connectionString };
        Features.RegisterEvents(options);
        await using var db = PostgresEventStore.CreateDataSource(options);
        var clock = new ManualClock(Instant.FromUtc(2026, 1, 1, 0, 0));
        var serializer = new EventSerializer(options.Registry);
        await using var store = new PostgresEventStore(db, serializer, [new ModelsProjection(serializer)], clock);
        var metadata = new EventMetadata("bench");

        BenchContext.Log($"docs: seeding {Events} events for one model");
        await store.AppendAsync(Model.StreamId("big-model"), Model.StreamType, ExpectedVersion.NoStream,
            [new ModelRegistered("big-model", "Big model", "A model with a long history", "bench-team", "classification", Model.DefaultStages, [new Kpi("loss")], "bench", clock.Now)], metadata, ct);
        var written = 1;
        var version = 0;
        while (written < Events)
        {
            clock.Advance(Duration.FromMinutes(10));
            if (written % 10 == 0)
            {
                version++;
                await store.AppendAsync(ModelVersion.StreamId("big-model", $"{version}.0"), ModelVersion.StreamType, ExpectedVersion.NoStream,
                    [new ModelVersionRegistered("big-model", $"{version}.0", $"s3://m/{version}", "sha256:" + new string('a', 64), null, null, [], version > 1 ? [$"big-model@{version - 1}.0"] : [],
                        "abc", new Dictionary<string, System.Text.Json.JsonElement>(), "bench", clock.Now)], metadata, ct);
                written++;
                continue;
            }

            var notes = Enumerable.Range(0, Math.Min(9, Events - written))
                .Select(i => (object)new KnowledgeNoteAdded("big-model", $"n{written + i}", $"Observation {written + i}", "Something someone learned the hard way.", ["ops"], "bench", clock.Now))
                .ToList();
            await store.AppendAsync(Model.StreamId("big-model"), Model.StreamType, ExpectedVersion.Any, notes, metadata, ct);
            written += notes.Count;
        }

        // The worst case for at=: an instant just before the last event, so nearly the whole history is folded.
        var lateInstant = clock.Now.Minus(Duration.FromMinutes(5));
        for (var i = 0; i < 3; i++)
        {
            await GetModelDoc.RenderAsync(db, "big-model", null, clock.Now, ct);
        }

        var now = await TimeAsync(() => GetModelDoc.RenderAsync(db, "big-model", null, clock.Now, ct));
        var at = await TimeAsync(() => GetModelDoc.RenderAsync(db, "big-model", lateInstant, clock.Now, ct));
        var markdown = await GetModelDoc.RenderAsync(db, "big-model", null, clock.Now, ct);
        await using (var store2 = db.CreateCommand("INSERT INTO governance.model_docs (key, markdown, events) VALUES ('big-model', $1, $2)"))
        {
            store2.Parameters.Add(new() { Value = markdown! });
            store2.Parameters.Add(new() { Value = Events });
            await store2.ExecuteNonQueryAsync(ct);
        }

        var stored = await TimeAsync(async () =>
        {
            await using var cmd = db.CreateCommand("SELECT markdown FROM governance.model_docs WHERE key = 'big-model'");
            return (string?)await cmd.ExecuteScalarAsync(ct);
        });

        context.Report("doc_events", Events);
        context.Report("doc_markdown_kb", markdown!.Length / 1024.0, 0);
        // The current document is what GET serves (kept by the projection); regenerating it is the projection's cost.
        context.Report("doc_render_ms", stored, 1);
        context.Report("doc_regenerate_ms", now, 1);
        context.Report("doc_at_ms", at, 1);
        context.Report("doc_regenerate_vs_read_ratio", now / stored, 1);
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

    private sealed class ManualClock(Instant start) : IClock
    {
        public Instant Now { get; private set; } = start;

        public Instant GetCurrentInstant() => Now;

        public void Advance(Duration by) => Now = Now.Plus(by);
    }
}
