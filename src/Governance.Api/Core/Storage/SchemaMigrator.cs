using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Npgsql;

namespace Governance.Api.Core.Storage;

/// <summary>
/// Applies the read models' versioned migrations once, under an advisory lock, so nodes starting together do not race.
/// The log's own tables (Marten's <c>mt_*</c> and our guarantees) are Marten's schema management's business.
/// </summary>
public static partial class SchemaMigrator
{
    private const long MigrationLockKey = 0x6F76_6572_6E61; // "overna": any constant shared by all nodes

    /// <summary>Applies every migration not yet applied, in order, in one transaction.</summary>
    public static async Task MigrateAsync(NpgsqlDataSource dataSource, IEnumerable<MigrationSet> sets, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await ExecuteAsync(connection, tx, $"SELECT pg_advisory_xact_lock({MigrationLockKey})", ct);
        await ExecuteAsync(connection, tx, """
            CREATE SCHEMA IF NOT EXISTS governance;
            CREATE TABLE IF NOT EXISTS governance.schema_migrations (
                module text NOT NULL, version int NOT NULL, name text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT clock_timestamp(),
                PRIMARY KEY (module, version));
            """, ct);

        var applied = new HashSet<(string, int)>();
        await using (var cmd = new NpgsqlCommand("SELECT module, version FROM governance.schema_migrations", connection, tx))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                applied.Add((reader.GetString(0), reader.GetInt32(1)));
            }
        }

        foreach (var set in sets)
        {
            foreach (var (version, name, sql) in Load(set))
            {
                if (applied.Contains((set.Module, version)))
                {
                    continue;
                }

                await ExecuteAsync(connection, tx, sql, ct);
                await using var record = new NpgsqlCommand(
                    "INSERT INTO governance.schema_migrations (module, version, name) VALUES ($1, $2, $3)", connection, tx);
                record.Parameters.Add(new() { Value = set.Module });
                record.Parameters.Add(new() { Value = version });
                record.Parameters.Add(new() { Value = name });
                await record.ExecuteNonQueryAsync(ct);
            }
        }

        await tx.CommitAsync(ct);
    }

    /// <summary>Whether every known migration has been applied (used by readiness checks).</summary>
    public static async Task<bool> IsCurrentAsync(NpgsqlDataSource dataSource, IEnumerable<MigrationSet> sets, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand(
            "SELECT module, version FROM governance.schema_migrations", connection);
        var applied = new HashSet<(string, int)>();
        try
        {
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                applied.Add((reader.GetString(0), reader.GetInt32(1)));
            }
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
        {
            return false;
        }

        return sets
            .All(set => Load(set).All(m => applied.Contains((set.Module, m.Version))));
    }

    private static IEnumerable<(int Version, string Name, string Sql)> Load(MigrationSet set)
    {
        var found = new List<(int, string, string)>();
        foreach (var resource in set.Assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(set.ResourcePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var fileName = resource[set.ResourcePrefix.Length..];
            var match = MigrationName().Match(fileName);
            if (!match.Success)
            {
                continue;
            }

            using var stream = set.Assembly.GetManifestResourceStream(resource)!;
            using var text = new StreamReader(stream);
            found.Add((int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), match.Groups[2].Value, text.ReadToEnd()));
        }

        return found.OrderBy(m => m.Item1);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, connection, tx);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    [GeneratedRegex(@"^(\d{4})_([A-Za-z0-9_]+)\.sql$")]
    private static partial Regex MigrationName();
}

/// <summary>A module's migrations: embedded resources named <c>NNNN_name.sql</c> under a prefix.</summary>
public sealed record MigrationSet(string Module, Assembly Assembly, string ResourcePrefix);
