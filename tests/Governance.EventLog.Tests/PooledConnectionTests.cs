using Governance.EventLog.Tests.Infrastructure;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Marten.Events;
using Npgsql;
using Weasel.Core;

namespace Governance.EventLog.Tests;

/// <summary>
/// Every user of a pooled connection of the log gets a clean session. Marten leaves state on connections it returns
/// (a bulk insert keeps its temporary table), so the log's data source keeps Npgsql's reset on reuse even though skipping
/// it would make appends cheaper. These tests run Marten's stateful paths on the log — the hosted daemon with its
/// leadership lock, a rebuild, bulk inserts, lost races — and then look at what the next user of each connection sees.
/// </summary>
public sealed class PooledConnectionTests
{
    private const string ApplicationName = "pooled-connection-audit";

    // One row per connection: what a reset removes. Settings changed by SET show as source 'session'; the log's own
    // settings travel in the startup packet (source 'client'). The unnamed portal of this very query is not a cursor left behind.
    private const string SessionState = """
        SELECT pg_backend_pid(),
               (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()),
               (SELECT count(*) FROM pg_listening_channels()),
               (SELECT count(*) FROM pg_class WHERE relnamespace = pg_my_temp_schema()),
               (SELECT count(*) FROM pg_settings WHERE source = 'session'),
               (SELECT count(*) FROM pg_cursors WHERE name <> '')
        """;

    [Fact]
    public async Task a_bulk_insert_works_again_on_the_connection_the_last_one_used()
    {
        // One pooled connection, so the second bulk insert gets the connection whose temporary table the first one left.
        var connectionString = new NpgsqlConnectionStringBuilder(await TestCluster.CreateDatabaseAsync()) { MaxPoolSize = 1, NoResetOnClose = true }
            .ConnectionString;
        await using var log = await TestLog.StartAsync(connectionString);

        await log.Store.BulkInsertDocumentsAsync([new Thing { Id = "bulk-1", Name = "first" }], BulkInsertMode.OverwriteExisting);
        await log.Store.BulkInsertDocumentsAsync([new Thing { Id = "bulk-2", Name = "second" }], BulkInsertMode.OverwriteExisting);

        (await log.ScalarAsync<long>("SELECT count(*) FROM governance.mt_doc_thing WHERE id LIKE 'bulk-%'")).ShouldBe(2);
    }

    [Fact]
    public async Task the_next_user_of_every_pooled_connection_finds_no_session_state_after_the_daemon_a_rebuild_bulk_inserts_and_lost_races()
    {
        var connectionString = new NpgsqlConnectionStringBuilder(await TestCluster.CreateDatabaseAsync())
        {
            ApplicationName = ApplicationName,
        }.ConnectionString;
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddGovernanceEventLog((_, options) =>
            {
                options.ConnectionString = connectionString;
                options.Registry.RegisterTestEvents();
            })
            .ApplyAllDatabaseChangesOnStartup()
            .AddAsyncDaemon(DaemonMode.HotCold);
        builder.Services.ConfigureMarten(opts =>
        {
            opts.Projections.Add<CountingProjection>(ProjectionLifecycle.Async);
            opts.Projections.Snapshot<Thing>(SnapshotLifecycle.Inline);
        });

        using var host = builder.Build();
        await host.StartAsync();
        var store = host.Services.GetRequiredService<IDocumentStore>();
        for (var i = 0; i < 20; i++)
        {
            await using var session = store.LightweightSession().WithMetadata(TestEvents.Meta);
            session.Events.StartStream<Thing>($"pooled-{i}", new ThingCreated($"t{i}"));
            await session.SaveChangesAsync();
        }

        for (var i = 0; i < 10; i++)
        {
            // A lost race: the stale expected version fails inside Marten's append function, and the whole session rolls back.
            await using var session = store.LightweightSession().WithMetadata(TestEvents.Meta);
            session.Events.StartStream<Thing>($"pooled-lost-{i}", new ThingCreated("lost"));
            session.Events.Append($"pooled-{i}", 1, new ThingRenamed("stale"));
            await Should.ThrowAsync<Exception>(() => session.SaveChangesAsync());
        }

        await store.BulkInsertDocumentsAsync([new Thing { Id = "bulk-1", Name = "b" }, new Thing { Id = "pooled-0", Name = "over" }],
            BulkInsertMode.OverwriteExisting);
        await store.BulkInsertDocumentsAsync([new Thing { Id = "bulk-2", Name = "b" }], BulkInsertMode.IgnoreDuplicates);
        await store.BulkInsertDocumentsAsync([new Thing { Id = "bulk-3", Name = "b" }], BulkInsertMode.OverwriteExisting);
        await host.WaitForNonStaleProjectionDataAsync(TimeSpan.FromMinutes(1));
        using (var daemon = await store.BuildProjectionDaemonAsync())
        {
            await daemon.RebuildProjectionAsync<CountingProjection>(TimeSpan.FromMinutes(1), CancellationToken.None);
        }

        await host.StopAsync();

        var states = await EveryPooledConnectionAsync(host.Services.GetRequiredKeyedService<NpgsqlDataSource>(EventLogKeys.DataSource), connectionString);
        states.ShouldNotBeEmpty();
        states.Where(s => s.AdvisoryLocks + s.Listening + s.TempTables + s.SessionSettings + s.Cursors > 0).ShouldBeEmpty();
        (await Sql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM governance.seen")).ShouldBe(20);
    }

    private sealed record ConnectionState(int Pid, long AdvisoryLocks, long Listening, long TempTables, long SessionSettings, long Cursors);

    /// <summary>Takes every idle connection of the pool at once (as many as the server shows idle for the log) and reads its state.</summary>
    private static async Task<List<ConnectionState>> EveryPooledConnectionAsync(NpgsqlDataSource dataSource, string connectionString)
    {
        await using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = "audit-admin", Pooling = false }.ConnectionString);
        await admin.OpenAsync();
        await using var count = new NpgsqlCommand(
            $"SELECT array_agg(pid) FROM pg_stat_activity WHERE application_name = '{ApplicationName}' AND datname = current_database()", admin);
        var pooled = (int[]?)await count.ExecuteScalarAsync() ?? [];

        var connections = new List<NpgsqlConnection>();
        var states = new List<ConnectionState>();
        try
        {
            for (var i = 0; i < pooled.Length; i++)
            {
                connections.Add(await dataSource.OpenConnectionAsync());
            }

            foreach (var connection in connections)
            {
                await using var cmd = new NpgsqlCommand(SessionState, connection);
                await using var reader = await cmd.ExecuteReaderAsync();
                await reader.ReadAsync();
                states.Add(new ConnectionState(reader.GetInt32(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5)));
            }
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }

        pooled.ShouldBeSubsetOf(states.Select(s => s.Pid), "every connection the pool held was inspected");
        return states;
    }
}
