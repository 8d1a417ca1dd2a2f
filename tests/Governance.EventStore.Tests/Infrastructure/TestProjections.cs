using Governance.EventStore.Projections;

namespace Governance.EventStore.Tests.Infrastructure;

/// <summary>
/// Records every event of streams starting with <see cref="StreamPrefix"/> into its own table keyed by seq,
/// counting how often each was applied, so a test can prove exactly-once delivery.
/// </summary>
public sealed class SeqRecorder(string name, string streamPrefix, Func<StoredEvent, bool>? poison = null) : IAsyncProjection
{
    public string Name { get; } = name;

    public string StreamPrefix { get; } = streamPrefix;

    public string Table => $"\"projected_{Name}\"";

    public string CreateTableSql =>
        $"CREATE TABLE {Table} (seq bigint PRIMARY KEY, stream_id text NOT NULL, version int NOT NULL, applied int NOT NULL DEFAULT 1)";

    public async Task ApplyAsync(ProjectionContext context, IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        var mine = events.Where(e => e.StreamId.StartsWith(StreamPrefix, StringComparison.Ordinal)).ToList();
        if (mine.FirstOrDefault(e => poison?.Invoke(e) == true) is { } bad)
        {
            throw new InvalidOperationException($"poison event {bad.Seq}");
        }

        if (mine.Count == 0)
        {
            return;
        }

        // One statement per batch; a duplicate delivery shows up as applied > 1.
        await context.ExecuteAsync(
            $"INSERT INTO {Table} (seq, stream_id, version) SELECT * FROM unnest($1::bigint[], $2::text[], $3::int[]) " +
            $"ON CONFLICT (seq) DO UPDATE SET applied = {Table}.applied + 1",
            ct, mine.Select(e => e.Seq).ToArray(), mine.Select(e => e.StreamId).ToArray(), mine.Select(e => e.Version).ToArray());
    }

    public async Task ResetAsync(ProjectionContext context, CancellationToken ct) =>
        await context.ExecuteAsync($"DELETE FROM {Table}", ct);
}

/// <summary>The current name of each thing, as an ordinary read model.</summary>
public sealed class ThingNames(string name, string streamPrefix) : IAsyncProjection
{
    public string Name { get; } = name;

    public string Table => $"\"names_{Name}\"";

    public string CreateTableSql => $"CREATE TABLE {Table} (stream_id text PRIMARY KEY, name text NOT NULL, renames int NOT NULL, version int NOT NULL)";

    public async Task ApplyAsync(ProjectionContext context, IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        foreach (var @event in events.Where(e => e.StreamId.StartsWith(streamPrefix, StringComparison.Ordinal)))
        {
            switch (@event.Data)
            {
                case ThingCreated created:
                    await context.ExecuteAsync(
                        $"INSERT INTO {Table} (stream_id, name, renames, version) VALUES ($1, $2, 0, $3)", ct,
                        @event.StreamId, created.Name, @event.Version);
                    break;
                case ThingRenamed renamed:
                    await context.ExecuteAsync(
                        $"UPDATE {Table} SET name = $2, renames = renames + 1, version = $3 WHERE stream_id = $1", ct,
                        @event.StreamId, renamed.Name, @event.Version);
                    break;
            }
        }
    }

    public async Task ResetAsync(ProjectionContext context, CancellationToken ct) =>
        await context.ExecuteAsync($"DELETE FROM {Table}", ct);
}

/// <summary>An inline projection that runs a callback in the append transaction.</summary>
public sealed class InlineCallback(Func<ProjectionContext, IReadOnlyList<StoredEvent>, CancellationToken, Task> apply) : IInlineProjection
{
    public Task ApplyAsync(ProjectionContext context, IReadOnlyList<StoredEvent> events, CancellationToken ct) => apply(context, events, ct);
}
