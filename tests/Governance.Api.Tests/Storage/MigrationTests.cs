using Governance.Api.Core.Storage;
using Governance.Api.Tests.Harness;
using Governance.EventLog;
using Marten;
using Npgsql;
using NodaTime;

namespace Governance.Api.Tests.Storage;

/// <summary>The read models' migrations: applied once each, by whichever of several starting nodes gets there first.</summary>
public sealed class MigrationTests
{
    // Every embedded migration of the Api, applied once each.
    private static readonly long MigrationCount = typeof(StorageExtensions).Assembly.GetManifestResourceNames()
        .LongCount(n => n.StartsWith("Governance.Api.Migrations.", StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal));

    [Fact]
    public async Task two_concurrent_migrations_of_a_fresh_database_both_succeed_and_apply_each_migration_once()
    {
        var database = await TestDatabase.CreateEmptyAsync();
        try
        {
            var options = LogOptions(database);
            await using var first = EventLogStore.CreateDataSource(options);
            await using var second = EventLogStore.CreateDataSource(options);
            await ApplyLogSchemaAsync(options, first);
            (await SchemaMigrator.IsCurrentAsync(first, [StorageExtensions.ApiMigrations])).ShouldBeFalse();

            await Task.WhenAll(
                Task.Run(() => SchemaMigrator.MigrateAsync(first, [StorageExtensions.ApiMigrations])),
                Task.Run(() => SchemaMigrator.MigrateAsync(second, [StorageExtensions.ApiMigrations])));

            (await SchemaMigrator.IsCurrentAsync(first, [StorageExtensions.ApiMigrations])).ShouldBeTrue();
            MigrationCount.ShouldBeGreaterThan(10);
            (await ScalarAsync<long>(database, "SELECT count(*) FROM governance.schema_migrations")).ShouldBe(MigrationCount);
            (await ScalarAsync<long>(database, "SELECT count(*) FROM governance.log_events")).ShouldBe(0);
        }
        finally
        {
            await TestDatabase.DropAsync(database);
        }
    }

    [Fact]
    public async Task migrating_an_up_to_date_database_again_changes_nothing()
    {
        var database = await TestDatabase.CreateAsync();
        try
        {
            await using var dataSource = EventLogStore.CreateDataSource(LogOptions(database));
            var appliedAt = await ScalarAsync<DateTime>(database, "SELECT max(applied_at) FROM governance.schema_migrations");

            await SchemaMigrator.MigrateAsync(dataSource, [StorageExtensions.ApiMigrations]);
            await SchemaMigrator.MigrateAsync(dataSource, [StorageExtensions.ApiMigrations]);

            (await ScalarAsync<long>(database, "SELECT count(*) FROM governance.schema_migrations")).ShouldBe(MigrationCount);
            (await ScalarAsync<DateTime>(database, "SELECT max(applied_at) FROM governance.schema_migrations")).ShouldBe(appliedAt);
            (await SchemaMigrator.IsCurrentAsync(dataSource, [StorageExtensions.ApiMigrations])).ShouldBeTrue();
        }
        finally
        {
            await TestDatabase.DropAsync(database);
        }
    }

    private static EventLogOptions LogOptions(string connectionString)
    {
        var options = new EventLogOptions { ConnectionString = connectionString };
        Features.RegisterEvents(options);
        return options;
    }

    // As the service starts: the log's schema through Marten first (the read models read its tables), then the migrations.
    private static async Task ApplyLogSchemaAsync(EventLogOptions options, NpgsqlDataSource dataSource)
    {
        var opts = new StoreOptions();
        EventLogStore.Configure(opts, options, dataSource, SystemClock.Instance);
        StorageExtensions.KeepReadModelIndexes(opts);
        using var store = new DocumentStore(opts);
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
    }

    private static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }
}
