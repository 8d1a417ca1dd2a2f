using System.Diagnostics;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using Npgsql;

namespace Governance.Api.Docs;

/// <summary>
/// Regenerates the document of every model a batch of events touches, after commit, off the request path: an async
/// projection run by Marten's daemon. A model written to many times a second (a pipeline posting evaluations) is
/// regenerated at most every <see cref="MinInterval"/>, and at most every <see cref="CostFactor"/> times as long as
/// its last regeneration took (a long history makes a document expensive: it must not eat the machine the writes
/// run on). In between its document is only marked stale, and readers render it from the log.
/// </summary>
/// <remarks>
/// Documents are built from the committed log (a read on a connection of its own); every write is queued into the
/// daemon's batch, so it commits with the projection's progress or not at all.
/// </remarks>
public sealed class ModelDocsProjection(NodaTime.IClock clock, NpgsqlDataSource db, ILogger<ModelDocsProjection> logger) : IProjection
{
    /// <summary>The tables it writes; a rebuild (Marten's teardown) empties them first.</summary>
    public static IReadOnlyList<string> Tables { get; } = ["governance.model_docs"];

    /// <summary>The shortest time between two regenerations of one model's document.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(2);

    /// <summary>A regeneration that took t waits at least this many t before the next: at most 1/50 of the time.</summary>
    public const int CostFactor = 50;

    /// <inheritdoc />
    public async Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        var models = new HashSet<string>(StringComparer.Ordinal);
        foreach (var @event in events)
        {
            if (@event.StreamKey is { } stream && ModelHistory.ModelOf(stream, @event.Data) is { } key)
            {
                models.Add(key);
            }
        }

        if (models.Count == 0)
        {
            return;
        }

        await using var connection = await db.OpenConnectionAsync(cancellation);
        foreach (var key in models)
        {
            if (await RecentlyGeneratedAsync(connection, key, cancellation))
            {
                operations.QueueSqlCommand("UPDATE governance.model_docs SET stale = true WHERE key = ?", key);
                continue;
            }

            var started = Stopwatch.GetTimestamp();
            ModelDocument document;
            int count;
            string markdown;
            try
            {
                (document, count) = await ModelHistory.BuildAsync(connection, null, key, null, clock.GetCurrentInstant(), cancellation);
                markdown = document.Exists ? MarkdownRenderer.Render(document) : "";
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One model whose document cannot be built must not stop every other model's (Marten pauses a raw
                // projection that throws). Its stored document is marked stale, so readers render it from the log
                // and see the same failure there, where it is reported.
                logger.LogError(ex, "The document of model {Model} could not be regenerated; it is marked stale", key);
                operations.QueueSqlCommand("UPDATE governance.model_docs SET stale = true WHERE key = ?", key);
                continue;
            }

            if (!document.Exists)
            {
                continue;
            }

            var took = (int)Math.Min(int.MaxValue, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            operations.QueueSqlCommand(
                "INSERT INTO governance.model_docs (key, markdown, events, generation_ms) VALUES (?, ?, ?, ?) " +
                "ON CONFLICT (key) DO UPDATE SET markdown = excluded.markdown, events = excluded.events, generation_ms = excluded.generation_ms, " +
                "generated_at = clock_timestamp(), stale = false",
                key, markdown, count, took);
        }
    }

    private static async Task<bool> RecentlyGeneratedAsync(NpgsqlConnection connection, string key, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            "SELECT 1 FROM governance.model_docs " +
            "WHERE key = $1 AND generated_at > clock_timestamp() - greatest($2, make_interval(secs => generation_ms * $3 / 1000.0))", connection);
        cmd.Parameters.Add(new() { Value = key });
        cmd.Parameters.Add(new() { Value = MinInterval });
        cmd.Parameters.Add(new() { Value = CostFactor });
        return await cmd.ExecuteScalarAsync(ct) is not null;
    }
}
