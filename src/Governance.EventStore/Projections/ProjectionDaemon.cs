using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Governance.EventStore.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace Governance.EventStore.Projections;

/// <summary>What one projection is doing on this node.</summary>
public enum ProjectionRunState
{
    /// <summary>Not started.</summary>
    Stopped,

    /// <summary>Another node holds the projection's lock; this one waits to take over.</summary>
    Standby,

    /// <summary>This node runs the projection.</summary>
    Running,

    /// <summary>A poison event stopped the projection (dead-lettering is off).</summary>
    Failed,
}

/// <summary>
/// Runs async projections: reads the log by (tx_id, seq) below the oldest running transaction, applies each
/// batch and moves the checkpoint in one transaction, and holds a session advisory lock per projection so
/// that exactly one node runs each.
/// </summary>
public sealed class ProjectionDaemon : BackgroundService
{
    private readonly NpgsqlDataSource dataSource;
    private readonly PostgresEventStore store;
    private readonly IReadOnlyList<IAsyncProjection> projections;
    private readonly EventStoreOptions options;
    private readonly ILogger logger;
    private readonly ConcurrentDictionary<string, ProjectionRunState> states = new();
    private readonly ConcurrentDictionary<string, SemaphoreSlim> wakeUps = new();

    public ProjectionDaemon(
        NpgsqlDataSource dataSource, PostgresEventStore store, IEnumerable<IAsyncProjection> projections,
        EventStoreOptions options, ILogger<ProjectionDaemon>? logger = null)
    {
        this.dataSource = dataSource;
        this.store = store;
        this.projections = [.. projections];
        this.options = options;
        this.logger = (ILogger?)logger ?? NullLogger.Instance;
        foreach (var projection in this.projections)
        {
            states[projection.Name] = ProjectionRunState.Stopped;
            wakeUps[projection.Name] = new SemaphoreSlim(0, 1);
        }
    }

    /// <summary>Whether the daemon's loops are running (for readiness).</summary>
    public bool IsRunning { get; private set; }

    /// <summary>The state of each projection on this node.</summary>
    public IReadOnlyDictionary<string, ProjectionRunState> States => states;

    /// <summary>The projections this daemon knows.</summary>
    public IReadOnlyList<IAsyncProjection> Projections => projections;

    /// <summary>Wakes every projection loop, e.g. after an append in this process.</summary>
    public void WakeUp()
    {
        foreach (var signal in wakeUps.Values)
        {
            if (signal.CurrentCount == 0)
            {
                try
                {
                    signal.Release();
                }
                catch (SemaphoreFullException)
                {
                    // Already signalled by a concurrent wake-up.
                }
            }
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (projections.Count == 0)
        {
            IsRunning = true;
            return;
        }

        await EnsureCheckpointsAsync(stoppingToken);
        IsRunning = true;
        var loops = projections.Select(p => Task.Run(() => RunProjectionAsync(p, stoppingToken), stoppingToken)).ToList();
        loops.Add(Task.Run(() => ListenAsync(stoppingToken), stoppingToken));
        try
        {
            await Task.WhenAll(loops);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            IsRunning = false;
            foreach (var projection in projections)
            {
                states[projection.Name] = ProjectionRunState.Stopped;
            }
        }
    }

    private async Task EnsureCheckpointsAsync(CancellationToken ct)
    {
        await using var batch = dataSource.CreateBatch();
        foreach (var projection in projections)
        {
            var cmd = new NpgsqlBatchCommand("INSERT INTO governance.projection_checkpoints (name) VALUES ($1) ON CONFLICT DO NOTHING");
            cmd.Parameters.Add(new() { Value = projection.Name });
            batch.BatchCommands.Add(cmd);
        }

        await batch.ExecuteNonQueryAsync(ct);
    }

    private async Task ListenAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(ct);
                connection.Notification += (_, _) => WakeUp();
                try
                {
                    await using (var listen = new NpgsqlCommand($"LISTEN {EventNotifier.Channel}", connection))
                    {
                        await listen.ExecuteNonQueryAsync(ct);
                    }

                    while (!ct.IsCancellationRequested)
                    {
                        await connection.WaitAsync(ct);
                    }
                }
                finally
                {
                    // Pooled sessions are not reset on return (see CreateDataSource): stop listening before this
                    // one goes back, or a later borrower would collect notifications nobody reads.
                    if (connection.State == System.Data.ConnectionState.Open)
                    {
                        try
                        {
                            await using var unlisten = new NpgsqlCommand("UNLISTEN *", connection);
                            await unlisten.ExecuteNonQueryAsync(CancellationToken.None);
                        }
                        catch (NpgsqlException)
                        {
                            // A broken connection is not returned to the pool.
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Lost the notification connection; polling until it is back");
                await DelayAsync(options.DaemonStandbyInterval, ct);
            }
        }
    }

    private async Task RunProjectionAsync(IAsyncProjection projection, CancellationToken ct)
    {
        var lockKey = LockKey(projection.Name);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                // A dedicated connection: the session-level advisory lock lives exactly as long as it does.
                await using var connection = await dataSource.OpenConnectionAsync(ct);
                states[projection.Name] = ProjectionRunState.Standby;
                while (!await TryLockAsync(connection, lockKey, ct))
                {
                    await DelayAsync(options.DaemonStandbyInterval, ct);
                }

                states[projection.Name] = ProjectionRunState.Running;
                logger.LogInformation("Running projection {Projection}", projection.Name);
                try
                {
                    await RunHoldingLockAsync(connection, projection, ct);
                    return;
                }
                finally
                {
                    await UnlockAsync(connection, projection.Name, lockKey);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The connection (and with it the lock) is gone or unusable: start over and take the lock again.
                logger.LogWarning(ex, "Projection {Projection} lost its connection; retrying", projection.Name);
                states[projection.Name] = ProjectionRunState.Standby;
                await DelayAsync(options.DaemonStandbyInterval, ct);
            }
        }
    }

    private async Task RunHoldingLockAsync(NpgsqlConnection connection, IAsyncProjection projection, CancellationToken ct)
    {
        var wakeUp = wakeUps[projection.Name];
        while (!ct.IsCancellationRequested)
        {
            var (position, state) = await LoadCheckpointAsync(connection, projection.Name, ct);
            if (state == "rebuilding")
            {
                await ResetAsync(connection, projection, ct);
                continue;
            }

            if (state == "failed")
            {
                states[projection.Name] = ProjectionRunState.Failed;
                await wakeUp.WaitAsync(options.DaemonPollInterval, ct);
                continue;
            }

            states[projection.Name] = ProjectionRunState.Running;
            var batch = await store.ReadAllAsync(connection, position, options.DaemonBatchSize, ct);
            if (batch.Count == 0)
            {
                EventStoreTelemetry.RecordLag(projection.Name, 0, 0);
                await wakeUp.WaitAsync(options.DaemonPollInterval, ct);
                continue;
            }

            await ProcessBatchAsync(connection, projection, batch, ct);
            if (batch.Count < options.DaemonBatchSize && options.DaemonBatchInterval > TimeSpan.Zero)
            {
                // Caught up. Under a steady stream of commits every one of them would wake the projection for a
                // batch of its own (a transaction, a checkpoint, the projection's own reads each time); pausing
                // briefly lets the next ones gather into one batch. An idle projection still reacts at once.
                await Task.Delay(options.DaemonBatchInterval, ct);
            }
        }
    }

    private async Task ProcessBatchAsync(NpgsqlConnection connection, IAsyncProjection projection, IReadOnlyList<StoredEvent> batch, CancellationToken ct)
    {
        using var activity = EventStoreTelemetry.ActivitySource.StartActivity("governance.projection.batch");
        activity?.SetTag("governance.projection", projection.Name);
        activity?.SetTag("governance.event.count", batch.Count);

        Exception? failure = null;
        for (var attempt = 1; attempt <= options.MaxAttempts; attempt++)
        {
            try
            {
                await ApplyAsync(connection, projection, batch, ct);
                RecordProgress(projection, batch);
                return;
            }
            catch (Exception ex) when (!IsConnectionFailure(ex, ct))
            {
                failure = ex;
                logger.LogWarning(ex, "Projection {Projection} failed on a batch of {Count} (attempt {Attempt})", projection.Name, batch.Count, attempt);
                await DelayAsync(Backoff(attempt), ct);
            }
        }

        if (batch.Count == 1)
        {
            await PutAsideAsync(connection, projection, batch[0], failure!, ct);
            return;
        }

        // Find the poison: one event at a time, so that good events around it are still applied once.
        foreach (var @event in batch)
        {
            Exception? eventFailure = null;
            for (var attempt = 1; attempt <= options.MaxAttempts; attempt++)
            {
                try
                {
                    await ApplyAsync(connection, projection, [@event], ct);
                    eventFailure = null;
                    break;
                }
                catch (Exception ex) when (!IsConnectionFailure(ex, ct))
                {
                    eventFailure = ex;
                    await DelayAsync(Backoff(attempt), ct);
                }
            }

            if (eventFailure is not null)
            {
                if (!await PutAsideAsync(connection, projection, @event, eventFailure, ct))
                {
                    return;
                }
            }
        }

        RecordProgress(projection, batch);
    }

    private async Task ApplyAsync(NpgsqlConnection connection, IAsyncProjection projection, IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var context = new ProjectionContext(connection, tx))
        {
            await projection.ApplyAsync(context, events, ct);
            await context.FlushAsync(ct);
        }

        await SaveCheckpointAsync(connection, tx, projection.Name, events[^1].Position, null, ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>Dead-letters a poison event and moves past it, or marks the projection failed. True when the projection goes on.</summary>
    private async Task<bool> PutAsideAsync(NpgsqlConnection connection, IAsyncProjection projection, StoredEvent poison, Exception error, CancellationToken ct)
    {
        EventStoreTelemetry.DeadLettered.Add(1, new KeyValuePair<string, object?>("projection", projection.Name));
        await using var tx = await connection.BeginTransactionAsync(ct);
        if (!options.DeadLetterPoisonEvents)
        {
            logger.LogError(error, "Projection {Projection} stopped at event {Seq}", projection.Name, poison.Seq);
            await using var fail = new NpgsqlCommand(
                "UPDATE governance.projection_checkpoints SET state = 'failed', last_error = $2, updated_at = clock_timestamp() WHERE name = $1", connection, tx);
            fail.Parameters.Add(new() { Value = projection.Name });
            fail.Parameters.Add(new() { Value = Describe(error, poison) });
            await fail.ExecuteNonQueryAsync(ct);

            // Before commit: whoever sees 'failed' in the database must also see it here (a failed commit reloads the state).
            states[projection.Name] = ProjectionRunState.Failed;
            await tx.CommitAsync(ct);
            return false;
        }

        logger.LogError(error, "Projection {Projection} dead-lettered event {Seq} ({Type})", projection.Name, poison.Seq, poison.Type);
        await using (var dead = new NpgsqlCommand(
            "INSERT INTO governance.dead_letter_events (projection, event_seq, error, attempts) VALUES ($1, $2, $3, $4) " +
            "ON CONFLICT (projection, event_seq) DO UPDATE SET error = excluded.error, attempts = excluded.attempts, at = clock_timestamp()", connection, tx))
        {
            dead.Parameters.Add(new() { Value = projection.Name });
            dead.Parameters.Add(new() { Value = poison.Seq });
            dead.Parameters.Add(new() { Value = Describe(error, poison) });
            dead.Parameters.Add(new() { Value = options.MaxAttempts });
            await dead.ExecuteNonQueryAsync(ct);
        }

        await SaveCheckpointAsync(connection, tx, projection.Name, poison.Position, Describe(error, poison), ct);
        await tx.CommitAsync(ct);
        return true;
    }

    private static string Describe(Exception error, StoredEvent poison) =>
        $"{poison.Type} #{poison.Seq} in {poison.StreamId}: {error.GetType().Name}: {error.Message}";

    private async Task ResetAsync(NpgsqlConnection connection, IAsyncProjection projection, CancellationToken ct)
    {
        logger.LogInformation("Rebuilding projection {Projection}", projection.Name);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var context = new ProjectionContext(connection, tx))
        {
            await projection.ResetAsync(context, ct);
            await context.FlushAsync(ct);
        }

        await using (var dead = new NpgsqlCommand("DELETE FROM governance.dead_letter_events WHERE projection = $1", connection, tx))
        {
            dead.Parameters.Add(new() { Value = projection.Name });
            await dead.ExecuteNonQueryAsync(ct);
        }

        await using (var reset = new NpgsqlCommand(
            "UPDATE governance.projection_checkpoints SET tx_id = '0', seq = 0, state = 'running', last_error = NULL, updated_at = clock_timestamp() WHERE name = $1",
            connection, tx))
        {
            reset.Parameters.Add(new() { Value = projection.Name });
            await reset.ExecuteNonQueryAsync(ct);
        }

        await tx.CommitAsync(ct);
    }

    private static async Task SaveCheckpointAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string name, LogPosition position, string? error, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            "UPDATE governance.projection_checkpoints SET tx_id = $2, seq = $3, last_error = coalesce($4, last_error), updated_at = clock_timestamp() WHERE name = $1",
            connection, tx);
        cmd.Parameters.Add(new() { Value = name });
        cmd.Parameters.Add(new() { Value = position.TxId, NpgsqlDbType = NpgsqlDbType.Xid8 });
        cmd.Parameters.Add(new() { Value = position.Seq });
        cmd.Parameters.Add(new() { Value = (object?)error ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task<(LogPosition Position, string State)> LoadCheckpointAsync(NpgsqlConnection connection, string name, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT tx_id, seq, state FROM governance.projection_checkpoints WHERE name = $1", connection);
        cmd.Parameters.Add(new() { Value = name });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? (new LogPosition(reader.GetFieldValue<ulong>(0), reader.GetInt64(1)), reader.GetString(2))
            : (LogPosition.Start, "running");
    }

    private void RecordProgress(IAsyncProjection projection, IReadOnlyList<StoredEvent> batch)
    {
        EventStoreTelemetry.EventsProjected.Add(batch.Count, new KeyValuePair<string, object?>("projection", projection.Name));
        var age = DateTimeOffset.UtcNow - batch[^1].RecordedAt.ToDateTimeOffset();
        EventStoreTelemetry.RecordLag(projection.Name, batch.Count == options.DaemonBatchSize ? options.DaemonBatchSize : 0, Math.Max(0, age.TotalSeconds));
    }

    private static async Task<bool> TryLockAsync(NpgsqlConnection connection, long key, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", connection);
        cmd.Parameters.Add(new() { Value = key });
        return await cmd.ExecuteScalarAsync(ct) is true;
    }

    /// <summary>
    /// Releases the projection's lock before the connection goes back to the pool: Npgsql keeps the session
    /// open there (its reset runs only when the connection is next used), so the lock would outlive this
    /// daemon and keep every other node on standby. A broken connection's session ends, and its lock with it.
    /// </summary>
    private async Task UnlockAsync(NpgsqlConnection connection, string projection, long key)
    {
        if (connection.State != System.Data.ConnectionState.Open)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await using var cmd = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", connection);
            cmd.Parameters.Add(new() { Value = key });
            await cmd.ExecuteScalarAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or OperationCanceledException)
        {
            logger.LogWarning(ex, "Could not release the lock of projection {Projection}", projection);
        }
    }

    /// <summary>A stable 64-bit key per projection name (FNV-1a), the same on every node.</summary>
    internal static long LockKey(string name)
    {
        const ulong offset = 14695981039346656037;
        const ulong prime = 1099511628211;
        var hash = offset;
        foreach (var b in Encoding.UTF8.GetBytes("governance.projection:" + name))
        {
            hash ^= b;
            hash *= prime;
        }

        return unchecked((long)hash);
    }

    private TimeSpan Backoff(int attempt) => options.RetryBaseDelay * Math.Pow(2, attempt - 1);

    private static bool IsConnectionFailure(Exception ex, CancellationToken ct) =>
        ct.IsCancellationRequested || ex is NpgsqlException { IsTransient: true } and not PostgresException
        || ex is ObjectDisposedException || (ex is InvalidOperationException && ex.Message.Contains("connection", StringComparison.OrdinalIgnoreCase));

    private static async Task DelayAsync(TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await Task.Delay(delay, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        foreach (var signal in wakeUps.Values)
        {
            signal.Dispose();
        }

        base.Dispose();
    }
}
