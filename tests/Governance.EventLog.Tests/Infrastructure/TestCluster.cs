using Governance.EventLog.Embedded;
using Npgsql;

namespace Governance.EventLog.Tests.Infrastructure;

/// <summary>One embedded PostgreSQL cluster per test process; each test that needs a log gets a database of its own.</summary>
public static class TestCluster
{
    private static readonly Lazy<Task<EmbeddedPostgres>> Server = new(StartAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The superuser connection string to the <c>postgres</c> database.</summary>
    public static async Task<string> AdminConnectionStringAsync() => (await Server.Value).ConnectionString;

    /// <summary>A new, empty database; returns its (superuser) connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string prefix = "log")
    {
        var admin = await AdminConnectionStringAsync();
        var name = $"{prefix}_{Guid.NewGuid():N}";
        await PostgresDatabases.CreateAsync(admin, name, template: null);

        // Durability of each commit is not what these tests are about; skipping the WAL flush keeps them fast
        // without changing visibility or ordering.
        return new NpgsqlConnectionStringBuilder(admin) { Database = name, Options = "-c synchronous_commit=off" }.ConnectionString;
    }

    /// <summary>Drops a test database, ending any session still connected to it.</summary>
    public static async Task DropAsync(string connectionString)
    {
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        await PostgresDatabases.DropAsync(await AdminConnectionStringAsync(), database);
    }

    private static Task<EmbeddedPostgres> StartAsync() =>
        EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions
        {
            DataDirectory = Path.Combine(Path.GetTempPath(), "governance-log-tests-" + Guid.NewGuid().ToString("N")),
            Ephemeral = true,
        });
}
