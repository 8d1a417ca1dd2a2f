using System.Diagnostics;
using Governance.EventStore;
using Governance.EventStore.Projections;

namespace Governance.Api.Docs;

/// <summary>
/// Regenerates the document of every model a batch of events touches, after commit, off the request path.
/// A model written to many times a second (a pipeline posting evaluations) is regenerated at most every
/// <see cref="MinInterval"/>, and at most every <see cref="CostFactor"/> times as long as its last regeneration took
/// (a long history makes a document expensive: it must not eat the machine the writes run on). In between its
/// document is only marked stale, and readers render it from the log.
/// </summary>
public sealed class ModelDocsProjection(NodaTime.IClock clock) : IAsyncProjection
{
    /// <summary>The shortest time between two regenerations of one model's document.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(2);

    /// <summary>A regeneration that took t waits at least this many t before the next: at most 1/50 of the time.</summary>
    public const int CostFactor = 50;

    /// <inheritdoc />
    public string Name => "model_docs";

    /// <inheritdoc />
    public async Task ApplyAsync(ProjectionContext context, IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        var models = new HashSet<string>(StringComparer.Ordinal);
        foreach (var @event in events)
        {
            if (ModelHistory.ModelOf(@event) is { } key)
            {
                models.Add(key);
            }
        }

        foreach (var key in models)
        {
            var recent = await context.ScalarAsync(
                "UPDATE governance.model_docs SET stale = true " +
                "WHERE key = $1 AND generated_at > clock_timestamp() - greatest($2, make_interval(secs => generation_ms * $3 / 1000.0)) RETURNING key",
                ct, key, MinInterval, CostFactor);
            if (recent is not null)
            {
                continue;
            }

            var started = Stopwatch.GetTimestamp();
            var (document, count) = await ModelHistory.BuildAsync(context.Connection, context.Transaction, key, null, clock.GetCurrentInstant(), ct);
            if (!document.Exists)
            {
                continue;
            }

            var markdown = MarkdownRenderer.Render(document);
            var took = (int)Math.Min(int.MaxValue, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            await context.ExecuteAsync(
                "INSERT INTO governance.model_docs (key, markdown, events, generation_ms) VALUES ($1, $2, $3, $4) " +
                "ON CONFLICT (key) DO UPDATE SET markdown = excluded.markdown, events = excluded.events, generation_ms = excluded.generation_ms, " +
                "generated_at = clock_timestamp(), stale = false",
                ct, key, markdown, count, took);
        }
    }

    /// <inheritdoc />
    public Task ResetAsync(ProjectionContext context, CancellationToken ct) =>
        context.ExecuteAsync("DELETE FROM governance.model_docs", ct);
}
