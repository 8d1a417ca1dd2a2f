using Npgsql;
using NpgsqlTypes;

namespace Governance.EventStore.Projections;

/// <summary>One projection's checkpoint as stored.</summary>
public sealed record ProjectionCheckpoint(string Name, LogPosition Position, string State, string? LastError, DateTime UpdatedAt);

/// <summary>Asks where projections are, requests rebuilds and waits for them to catch up; works against whichever node runs them.</summary>
public sealed class ProjectionMonitor(NpgsqlDataSource dataSource)
{
    /// <summary>Every checkpoint.</summary>
    public async Task<IReadOnlyList<ProjectionCheckpoint>> CheckpointsAsync(CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand(
            "SELECT name, tx_id, seq, state, last_error, updated_at FROM governance.projection_checkpoints ORDER BY name");
        var result = new List<ProjectionCheckpoint>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result.Add(new ProjectionCheckpoint(
                reader.GetString(0), new LogPosition(reader.GetFieldValue<ulong>(1), reader.GetInt64(2)),
                reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetDateTime(5)));
        }

        return result;
    }

    /// <summary>Asks the node that runs <paramref name="projection"/> to clear it and replay the whole log.</summary>
    public async Task RequestRebuildAsync(string projection, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand(
            "INSERT INTO governance.projection_checkpoints (name, state) VALUES ($1, 'rebuilding') " +
            "ON CONFLICT (name) DO UPDATE SET state = 'rebuilding', updated_at = clock_timestamp()");
        cmd.Parameters.Add(new() { Value = projection });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Waits until every named projection (all when none named) has applied every event committed before
    /// this call. For tests and for read-your-writes on async read models.
    /// </summary>
    public async Task WaitForNonStaleProjectionsAsync(TimeSpan timeout, IReadOnlyCollection<string>? names = null, CancellationToken ct = default)
    {
        LogPosition target;
        await using (var head = dataSource.CreateCommand("SELECT tx_id, seq FROM governance.events ORDER BY tx_id DESC, seq DESC LIMIT 1"))
        await using (var reader = await head.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
            {
                return;
            }

            target = new LogPosition(reader.GetFieldValue<ulong>(0), reader.GetInt64(1));
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        while (true)
        {
            var checkpoints = await CheckpointsAsync(ct);
            var relevant = checkpoints.Where(c => names is null || names.Contains(c.Name)).ToList();
            var behind = relevant.Where(c => c.Position < target || c.State == "rebuilding").ToList();

            // A named projection whose daemon has not registered its checkpoint yet has applied nothing.
            behind.AddRange((names ?? []).Where(n => relevant.All(c => c.Name != n))
                .Select(n => new ProjectionCheckpoint(n, LogPosition.Start, "not started", null, default)));
            if (behind.Count == 0)
            {
                return;
            }

            if (behind.FirstOrDefault(c => c.State == "failed") is { } failed)
            {
                throw new InvalidOperationException($"Projection {failed.Name} has failed: {failed.LastError}");
            }

            try
            {
                await Task.Delay(20, deadline.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new TimeoutException(
                    $"Projections still behind {target.ToCursor()} after {timeout}: " +
                    string.Join(", ", behind.Select(c => $"{c.Name} at {c.Position.ToCursor()}")));
            }
        }
    }

    /// <summary>Dead-lettered events of a projection.</summary>
    public async Task<IReadOnlyList<(long Seq, string Error, int Attempts)>> DeadLettersAsync(string projection, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand(
            "SELECT event_seq, error, attempts FROM governance.dead_letter_events WHERE projection = $1 ORDER BY event_seq");
        cmd.Parameters.Add(new() { Value = projection, NpgsqlDbType = NpgsqlDbType.Text });
        var result = new List<(long, string, int)>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result.Add((reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2)));
        }

        return result;
    }
}
