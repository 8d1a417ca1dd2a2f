using Governance.EventLog;
using Governance.EventLog.Embedded;
using Npgsql;

namespace Governance.EventStore.Tests.Infrastructure;

/// <summary>
/// One embedded PostgreSQL cluster per test process, with a template database migrated once; test classes
/// get their own database cloned from it, which is much faster than migrating each.
/// </summary>
public static class TestCluster
{
    public const string TemplateDatabase = "governance_template";

    private static readonly Lazy<Task<EmbeddedPostgres>> Server = new(StartAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    // CREATE DATABASE … TEMPLATE fails when anything else touches the template; one clone at a time.
    private static readonly SemaphoreSlim CloneGate = new(1, 1);

    /// <summary>The superuser connection string to the <c>postgres</c> database.</summary>
    public static async Task<string> AdminConnectionStringAsync() => (await Server.Value).ConnectionString;

    /// <summary>A new database with the store's schema; returns its connection string.</summary>
    public static async Task<string> CreateMigratedDatabaseAsync(string prefix = "t")
    {
        var admin = await AdminConnectionStringAsync();
        var name = $"{prefix}_{Guid.NewGuid():N}";
        await CloneGate.WaitAsync();
        try
        {
            await PostgresDatabases.CreateAsync(admin, name, TemplateDatabase);
        }
        finally
        {
            CloneGate.Release();
        }

        return ForTests(admin, name);
    }

    /// <summary>A new database without any schema, e.g. to test migrations themselves.</summary>
    public static async Task<string> CreateEmptyDatabaseAsync(string prefix = "empty")
    {
        var admin = await AdminConnectionStringAsync();
        var name = $"{prefix}_{Guid.NewGuid():N}";
        await PostgresDatabases.CreateAsync(admin, name, template: null);
        return ForTests(admin, name);
    }

    /// <summary>Drops a test database, ending any session still connected to it.</summary>
    public static async Task DropAsync(string connectionString)
    {
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        await PostgresDatabases.DropAsync(await AdminConnectionStringAsync(), database);
    }

    private const string FolderPrefix = "governance-store-tests-";

    private static async Task<EmbeddedPostgres> StartAsync()
    {
        var folder = Path.Combine(Path.GetTempPath(), FolderPrefix + Guid.NewGuid().ToString("N"));
        var server = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { DataDirectory = folder, Ephemeral = true });

        var template = PostgresDatabases.ForDatabase(server.ConnectionString, TemplateDatabase);
        await PostgresDatabases.EnsureExistsAsync(template);
        await using (var dataSource = PostgresEventStore.CreateDataSource(new EventStoreOptions { ConnectionString = template }))
        {
            await SchemaMigrator.MigrateAsync(dataSource, []);
        }

        // No pooled session may stay on the template, or cloning it fails.
        NpgsqlConnection.ClearAllPools();
        return server;
    }

    // Durability of each commit is not what these tests are about; skipping the WAL flush keeps them fast
    // without changing visibility or ordering.
    private static string ForTests(string admin, string database) =>
        new NpgsqlConnectionStringBuilder(admin) { Database = database, Options = "-c synchronous_commit=off" }.ConnectionString;
}
