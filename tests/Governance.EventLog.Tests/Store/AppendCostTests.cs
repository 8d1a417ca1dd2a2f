using Governance.EventLog.Tests.Infrastructure;
using Npgsql;

namespace Governance.EventLog.Tests.Store;

/// <summary>What an append costs must not grow with the log: it reads its own rows, never the whole of <c>mt_events</c>.</summary>
public sealed class AppendCostTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    [Fact]
    public async Task an_append_reads_its_own_rows_of_the_log_and_no_others()
    {
        // A log big enough that a plan has to choose: 1,500 events, with fresh statistics.
        await using (var seed = fixture.CreateStore())
        {
            var history = Enumerable.Range(0, 1_500).Select(i => (object)new Counted(0, i)).ToList();
            await seed.Store.AppendAsync(TestEvents.NewStream("counter"), "counter", ExpectedVersion.NoStream, history, TestEvents.Meta);
        }

        await fixture.ExecuteAsync("ANALYZE governance.mt_events; ANALYZE governance.event_hashes");

        // Runs in the append transaction after the store has read the new events back, and counts the rows of mt_events
        // read so far by any scan. A backend keeps such counts until it reports them, across transactions: each append
        // gets a new backend, so what is counted is that append's alone.
        var rowsRead = new List<long>();
        var inline = new InlineCallback(async (context, _, ct) => rowsRead.Add((long)(await context.ScalarAsync(
            "SELECT coalesce(sum(seq_tup_read + coalesce(idx_tup_fetch, 0)), 0)::bigint FROM pg_stat_xact_user_tables " +
            "WHERE schemaname = 'governance' AND relname = 'mt_events'", ct))!));
        var unpooled = new NpgsqlConnectionStringBuilder(fixture.ConnectionString) { Pooling = false }.ConnectionString;
        await using var dataSource = EventLogStore.CreateDataSource(new EventLogOptions { ConnectionString = unpooled });
        await using var store = new MartenEventStore(fixture.Log.Store, dataSource, fixture.Log.Options.Registry, [inline]);
        var stream = TestEvents.NewStream("counter");

        var started = await store.StartStreamAsync(stream, "counter", [new Counted(1, 1)], TestEvents.Meta);
        var appended = await store.AppendAsync(stream, "counter", ExpectedVersion.Exactly(1), [new Counted(1, 2), new Counted(1, 3)], TestEvents.Meta);

        // Its own rows and a few more (the exact count is PostgreSQL's business), not the 1,500 of the log.
        rowsRead.Count.ShouldBe(2);
        rowsRead.ShouldAllBe(rows => rows < 10);
        started.Events.Single().Version.ShouldBe(1);
        appended.Events.Select(e => e.Version).ShouldBe([2, 3]);
        appended.Events.ShouldAllBe(e => e.Seq > started.Events[0].Seq && e.Hash.Length == 32);
    }
}
