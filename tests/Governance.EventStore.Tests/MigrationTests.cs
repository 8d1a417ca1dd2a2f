using Governance.EventStore.Tests.Infrastructure;

namespace Governance.EventStore.Tests;

public sealed class MigrationTests
{
    // Every embedded migration of the store, applied once each.
    private static readonly long StoreMigrationCount = typeof(SchemaMigrator).Assembly.GetManifestResourceNames()
        .LongCount(n => n.StartsWith("Governance.EventStore.Migrations.", StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal));

    [Fact]
    public async Task two_concurrent_migrations_of_a_fresh_database_both_succeed_and_apply_each_migration_once()
    {
        var database = await TestCluster.CreateEmptyDatabaseAsync();
        try
        {
            var options = new EventStoreOptions { ConnectionString = database };
            await using var first = PostgresEventStore.CreateDataSource(options);
            await using var second = PostgresEventStore.CreateDataSource(options);
            (await SchemaMigrator.IsCurrentAsync(first, [])).ShouldBeFalse();

            await Task.WhenAll(
                Task.Run(() => SchemaMigrator.MigrateAsync(first, [])),
                Task.Run(() => SchemaMigrator.MigrateAsync(second, [])));

            (await SchemaMigrator.IsCurrentAsync(first, [])).ShouldBeTrue();
            (await StoreFixture.ScalarAsync<long>(database, "SELECT count(*) FROM governance.schema_migrations")).ShouldBe(StoreMigrationCount);
            (await StoreFixture.ScalarAsync<long>(database, "SELECT count(*) FROM governance.events")).ShouldBe(0);
        }
        finally
        {
            await TestCluster.DropAsync(database);
        }
    }

    [Fact]
    public async Task migrating_an_up_to_date_database_again_changes_nothing()
    {
        var database = await TestCluster.CreateMigratedDatabaseAsync();
        try
        {
            await using var dataSource = PostgresEventStore.CreateDataSource(new EventStoreOptions { ConnectionString = database });
            var appliedAt = await StoreFixture.ScalarAsync<DateTime>(database, "SELECT max(applied_at) FROM governance.schema_migrations");

            await SchemaMigrator.MigrateAsync(dataSource, []);
            await SchemaMigrator.MigrateAsync(dataSource, []);

            (await StoreFixture.ScalarAsync<long>(database, "SELECT count(*) FROM governance.schema_migrations")).ShouldBe(StoreMigrationCount);
            (await StoreFixture.ScalarAsync<DateTime>(database, "SELECT max(applied_at) FROM governance.schema_migrations")).ShouldBe(appliedAt);
            (await SchemaMigrator.IsCurrentAsync(dataSource, [])).ShouldBeTrue();
        }
        finally
        {
            await TestCluster.DropAsync(database);
        }
    }
}
