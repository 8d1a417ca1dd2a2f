using Npgsql;

namespace Governance.EventLog;

/// <summary>Creating databases on a server: the service's own, and per-test clones of a migrated template.</summary>
public static class PostgresDatabases
{
    /// <summary>A connection string for <paramref name="database"/> on the same server.</summary>
    public static string ForDatabase(string connectionString, string database) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Database = database }.ConnectionString;

    /// <summary>Creates the database named in <paramref name="connectionString"/> when it does not exist.</summary>
    public static async Task EnsureExistsAsync(string connectionString, CancellationToken ct = default)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var database = builder.Database ?? throw new ArgumentException("The connection string names no database.", nameof(connectionString));
        await CreateAsync(connectionString, database, template: null, ct);
    }

    /// <summary>Creates <paramref name="database"/> (optionally from a template) unless it exists.</summary>
    public static async Task CreateAsync(string connectionString, string database, string? template, CancellationToken ct = default)
    {
        var admin = new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", Pooling = false }.ConnectionString;
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync(ct);
        await using (var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection))
        {
            exists.Parameters.Add(new() { Value = database });
            if (await exists.ExecuteScalarAsync(ct) is not null)
            {
                return;
            }
        }

        var sql = $"CREATE DATABASE {Quote(database)}" + (template is null ? "" : $" TEMPLATE {Quote(template)}");
        await using var create = new NpgsqlCommand(sql, connection);
        try
        {
            await create.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            // Another process created it first: that is what we wanted.
        }
    }

    /// <summary>Drops a database, ending its sessions.</summary>
    public static async Task DropAsync(string connectionString, string database, CancellationToken ct = default)
    {
        var admin = new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", Pooling = false }.ConnectionString;
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync(ct);
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Quote(database)} WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync(ct);
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
