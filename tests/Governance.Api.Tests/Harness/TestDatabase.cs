using Governance.Api.Core.Storage;
using Governance.EventLog;
using Governance.EventLog.Embedded;
using Marten;
using NodaTime;
using Npgsql;

namespace Governance.Api.Tests.Harness;

/// <summary>
/// One embedded PostgreSQL per test process, a template database migrated once, and a fresh clone of it
/// for each test class: real PostgreSQL, isolated, and fast.
/// </summary>
public static class TestDatabase
{
    private const string Template = "governance_template";
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static EmbeddedPostgres? server;
    private static bool templateReady;

    /// <summary>A connection string to a new database cloned from the migrated template.</summary>
    public static async Task<string> CreateAsync()
    {
        var admin = await ServerAsync();
        var name = "t_" + Guid.NewGuid().ToString("N")[..20];
        await PostgresDatabases.CreateAsync(admin, name, Template);
        return PostgresDatabases.ForDatabase(admin, name);
    }

    /// <summary>A connection string to a new database with nothing in it, for tests of the schema's installation itself.</summary>
    public static async Task<string> CreateEmptyAsync()
    {
        var admin = await ServerAsync();
        var name = "e_" + Guid.NewGuid().ToString("N")[..20];
        await PostgresDatabases.CreateAsync(admin, name, template: null);
        return PostgresDatabases.ForDatabase(admin, name);
    }

    /// <summary>Drops a clone.</summary>
    public static async Task DropAsync(string connectionString)
    {
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        NpgsqlConnection.ClearAllPools();
        await PostgresDatabases.DropAsync(await ServerAsync(), database);
    }

    private static async Task<string> ServerAsync()
    {
        await Gate.WaitAsync();
        try
        {
            server ??= await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions
            {
                DataDirectory = Path.Combine(Path.GetTempPath(), "governance-api-tests-" + Guid.NewGuid().ToString("N")[..8]),
                Ephemeral = true,
            });
            if (!templateReady)
            {
                var templateConnection = PostgresDatabases.ForDatabase(server.ConnectionString, Template);
                await PostgresDatabases.EnsureExistsAsync(templateConnection);
                var options = new EventLogOptions { ConnectionString = new NpgsqlConnectionStringBuilder(templateConnection) { Pooling = false }.ConnectionString };
                Features.RegisterEvents(options);
                await using (var dataSource = EventLogStore.CreateDataSource(options))
                {
                    // As the service starts: the log's schema through Marten, then the read models' migrations.
                    var opts = new StoreOptions();
                    EventLogStore.Configure(opts, options, dataSource, SystemClock.Instance);
                    StorageExtensions.KeepReadModelIndexes(opts);
                    using (var store = new DocumentStore(opts))
                    {
                        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
                    }

                    await SchemaMigrator.MigrateAsync(dataSource, [StorageExtensions.ApiMigrations]);
                }

                templateReady = true;
            }

            return server.ConnectionString;
        }
        finally
        {
            Gate.Release();
        }
    }
}
