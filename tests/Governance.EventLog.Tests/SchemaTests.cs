using Governance.EventLog.Guarantees;
using Governance.EventLog.Tests.Infrastructure;
using JasperFx.Events;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodaTime;
using NodaTime.Testing;
using Weasel.Core;

namespace Governance.EventLog.Tests;

/// <summary>The guarantees are installed through Marten's schema management and the start-up refuses a log without them.</summary>
public sealed class SchemaTests
{
    private static IHost BuildHost(string connectionString, bool applySchema = true, Action<StoreOptions>? afterUs = null, IClock? clock = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        if (clock is not null)
        {
            builder.Services.AddSingleton(clock);
        }

        var marten = builder.Services.AddGovernanceEventLog((_, options) =>
        {
            options.ConnectionString = connectionString;
            options.Registry.RegisterTestEvents();
        });
        if (applySchema)
        {
            marten.ApplyAllDatabaseChangesOnStartup();
        }

        if (afterUs is not null)
        {
            builder.Services.ConfigureMarten(afterUs);
        }

        return builder.Build();
    }

    private const string ObjectIds = """
        SELECT string_agg(c.relname || '.' || t.tgname || '=' || t.oid, ',' ORDER BY c.relname, t.tgname) ||
               (SELECT ',' || string_agg(p.proname || '=' || p.oid, ',' ORDER BY p.proname) FROM pg_proc p
                JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'governance' AND p.proname LIKE 'log\_%')
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'governance' AND NOT t.tgisinternal
        """;

    [Fact]
    public async Task the_guard_and_chain_triggers_exist_after_two_starts_and_are_not_recreated()
    {
        var connectionString = await TestCluster.CreateDatabaseAsync();
        string afterFirst;
        using (var first = BuildHost(connectionString))
        {
            await first.StartAsync();
            afterFirst = await Sql.ScalarAsync<string>(connectionString, ObjectIds);
            await first.StopAsync();
        }

        var clock = new FakeClock(Instant.FromUtc(2030, 1, 2, 3, 4, 5));
        using var second = BuildHost(connectionString, clock: clock);
        await second.StartAsync();
        var afterSecond = await Sql.ScalarAsync<string>(connectionString, ObjectIds);
        var store = second.Services.GetRequiredService<IDocumentStore>();
        var pending = await store.Storage.Database.CreateMigrationAsync();
        await using (var session = store.LightweightSession().WithMetadata(TestEvents.Meta))
        {
            session.Events.StartStream<Thing>("thing-hosted", new ThingCreated("a"));
            await session.SaveChangesAsync();
        }

        var report = await second.Services.GetRequiredService<HashChainVerifier>().VerifyAsync();
        var recordedAt = await Sql.ScalarAsync<DateTime>(connectionString, "SELECT timestamp FROM governance.mt_events WHERE stream_id = 'thing-hosted'");
        await second.StopAsync();

        foreach (var trigger in LogGuarantees.EventTriggers)
        {
            afterFirst.ShouldContain($"mt_events.{trigger}=");
        }

        foreach (var trigger in LogGuarantees.HashTriggers)
        {
            afterFirst.ShouldContain($"{LogGuarantees.HashTable}.{trigger}=");
        }

        // Same object ids: nothing was dropped and re-created by the second migration, and none is pending.
        afterSecond.ShouldBe(afterFirst);
        pending.Difference.ShouldBe(SchemaPatchDifference.None);

        // The hosted log uses the container's clock and offers the verifier.
        Instant.FromDateTimeUtc(recordedAt.ToUniversalTime()).ShouldBe(clock.GetCurrentInstant());
        report.ShouldBe(new HashChainReport(true, 1, 1, []), new ReportComparer());
    }

    [Fact]
    public async Task a_log_configured_for_rich_appends_refuses_to_start_before_touching_the_database()
    {
        var connectionString = await TestCluster.CreateDatabaseAsync();
        using var host = BuildHost(connectionString, afterUs: opts => opts.Events.AppendMode = EventAppendMode.Rich);

        var refused = await Should.ThrowAsync<InvalidOperationException>(() => host.StartAsync());

        refused.Message.ShouldContain("must be appended in Quick mode");
        refused.Message.ShouldContain("not Rich");
        (await Sql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM pg_tables WHERE schemaname = 'governance'")).ShouldBe(0);
    }

    [Fact]
    public async Task a_log_without_the_exclusive_append_lock_refuses_to_start()
    {
        var connectionString = await TestCluster.CreateDatabaseAsync();
        using var host = BuildHost(connectionString, afterUs: opts => opts.Events.UseExclusiveLockOnConcurrentAppends = false);

        var refused = await Should.ThrowAsync<InvalidOperationException>(() => host.StartAsync());

        refused.Message.ShouldContain("UseExclusiveLockOnConcurrentAppends must be on");
    }

    [Fact]
    public async Task a_database_whose_guard_was_dropped_or_disabled_is_refused_at_start()
    {
        await using (var log = await TestLog.StartAsync())
        {
            await log.ExecuteAsync("DROP TRIGGER log_no_delete ON governance.mt_events; " +
                                   "ALTER TABLE governance.event_hashes DISABLE TRIGGER log_no_update;");
            using var host = BuildHost(log.ConnectionString, applySchema: false);

            var refused = await Should.ThrowAsync<InvalidOperationException>(() => host.StartAsync());

            refused.Message.ShouldContain("mt_events.log_no_delete");
            refused.Message.ShouldContain("event_hashes.log_no_update");
            refused.Message.ShouldNotContain("mt_events.log_no_update");
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task a_start_that_applies_the_schema_puts_a_dropped_guard_back()
    {
        await using var log = await TestLog.StartAsync();
        await log.ExecuteAsync("DROP TRIGGER log_no_truncate ON governance.mt_events");
        using var host = BuildHost(log.ConnectionString);

        await host.StartAsync();
        await host.StopAsync();

        (await log.ScalarAsync<long>("SELECT count(*) FROM pg_trigger WHERE tgname = 'log_no_truncate' AND tgrelid = 'governance.mt_events'::regclass"))
            .ShouldBe(1);
    }
}
