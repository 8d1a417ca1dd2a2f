using Npgsql;

namespace Governance.EventLog.Projections;

/// <summary>
/// The connection and transaction a projection writes in; its writes commit with the events or the checkpoint.
/// Writes whose outcome the projection does not need can be queued with <see cref="Enqueue"/>: they travel to the
/// database together, in order, before the next statement that reads and before commit — one round trip for all of
/// a batch's projection writes instead of one per row.
/// </summary>
public sealed class ProjectionContext(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
{
    private NpgsqlBatch? queued;

    /// <summary>The open connection.</summary>
    public NpgsqlConnection Connection { get; } = connection;

    /// <summary>The transaction the projection's writes belong to.</summary>
    public NpgsqlTransaction Transaction { get; } = transaction;

    /// <summary>How many queued statements have not reached the database yet.</summary>
    public int QueuedStatements => queued?.BatchCommands.Count ?? 0;

    /// <summary>
    /// Queues a statement with positional parameters ($1, $2, …); null becomes SQL NULL. It runs, in order with every
    /// other statement of this context, before the next read or flush. An error it raises surfaces there.
    /// </summary>
    public void Enqueue(string sql, params object?[] parameters)
    {
        queued ??= new NpgsqlBatch(Connection, Transaction);
        var command = new NpgsqlBatchCommand(sql);
        foreach (var p in parameters)
        {
            command.Parameters.Add(Parameter(p));
        }

        queued.BatchCommands.Add(command);
    }

    /// <summary>Sends the queued statements in one round trip.</summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        if (queued is not { } batch)
        {
            return;
        }

        queued = null;
        await using (batch)
        {
            await batch.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>Runs a statement with positional parameters ($1, $2, …) after anything queued; null becomes SQL NULL.</summary>
    public async Task<int> ExecuteAsync(string sql, CancellationToken ct, params object?[] parameters)
    {
        await FlushAsync(ct);
        await using var cmd = Command(sql, parameters);
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Runs a query, after anything queued, and returns its first column of the first row.</summary>
    public async Task<object?> ScalarAsync(string sql, CancellationToken ct, params object?[] parameters)
    {
        await FlushAsync(ct);
        await using var cmd = Command(sql, parameters);
        var value = await cmd.ExecuteScalarAsync(ct);
        return value is DBNull ? null : value;
    }

    /// <summary>
    /// A command bound to this transaction, for anything the helpers do not cover. Call <see cref="FlushAsync"/> first
    /// when it must see queued writes.
    /// </summary>
    public NpgsqlCommand Command(string sql, params object?[] parameters)
    {
        var cmd = new NpgsqlCommand(sql, Connection, Transaction);
        foreach (var p in parameters)
        {
            cmd.Parameters.Add(Parameter(p));
        }

        return cmd;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (queued is { } batch)
        {
            queued = null;
            await batch.DisposeAsync();
        }
    }

    private static NpgsqlParameter Parameter(object? value) => value as NpgsqlParameter ?? new NpgsqlParameter { Value = value ?? DBNull.Value };
}

/// <summary>Runs inside the append transaction: what a command must see at once.</summary>
public interface IInlineProjection
{
    /// <summary>
    /// The tables this projection writes, schema-qualified (<c>governance.models</c>): everything in them is derived from
    /// the log, so a rebuild (<see cref="ReadModelRebuild"/>) empties them and replays the log. A table a command also
    /// writes (a record that is not an event) is not listed: a rebuild must keep it. None by default (a projection that
    /// keeps nothing of its own); the service's tests fail for a table nobody lists or keeps on purpose.
    /// </summary>
    IReadOnlyList<string> Tables => [];

    /// <summary>Applies freshly appended events.</summary>
    Task ApplyAsync(ProjectionContext context, IReadOnlyList<StoredEvent> events, CancellationToken ct);
}

/// <summary>Run by the daemon after commit, exactly once per event, in log order.</summary>
public interface IAsyncProjection
{
    /// <summary>The checkpoint name; changing it means a rebuild.</summary>
    string Name { get; }

    /// <summary>Applies a batch of events; the checkpoint moves in the same transaction.</summary>
    Task ApplyAsync(ProjectionContext context, IReadOnlyList<StoredEvent> events, CancellationToken ct);

    /// <summary>Clears the projection's tables before a rebuild replays the whole log.</summary>
    Task ResetAsync(ProjectionContext context, CancellationToken ct);
}
