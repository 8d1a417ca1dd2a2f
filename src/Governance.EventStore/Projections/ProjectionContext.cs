using Npgsql;

namespace Governance.EventStore.Projections;

/// <summary>The connection and transaction a projection writes in; its writes commit with the events or the checkpoint.</summary>
public sealed class ProjectionContext(NpgsqlConnection connection, NpgsqlTransaction transaction)
{
    /// <summary>The open connection.</summary>
    public NpgsqlConnection Connection { get; } = connection;

    /// <summary>The transaction the projection's writes belong to.</summary>
    public NpgsqlTransaction Transaction { get; } = transaction;

    /// <summary>Runs a statement with positional parameters ($1, $2, …); null becomes SQL NULL.</summary>
    public async Task<int> ExecuteAsync(string sql, CancellationToken ct, params object?[] parameters)
    {
        await using var cmd = Command(sql, parameters);
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Runs a query and returns its first column of the first row.</summary>
    public async Task<object?> ScalarAsync(string sql, CancellationToken ct, params object?[] parameters)
    {
        await using var cmd = Command(sql, parameters);
        var value = await cmd.ExecuteScalarAsync(ct);
        return value is DBNull ? null : value;
    }

    /// <summary>A command bound to this transaction, for anything the helpers do not cover.</summary>
    public NpgsqlCommand Command(string sql, params object?[] parameters)
    {
        var cmd = new NpgsqlCommand(sql, Connection, Transaction);
        foreach (var p in parameters)
        {
            cmd.Parameters.Add(p as NpgsqlParameter ?? new NpgsqlParameter { Value = p ?? DBNull.Value });
        }

        return cmd;
    }
}

/// <summary>Runs inside the append transaction: what a command must see at once.</summary>
public interface IInlineProjection
{
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
