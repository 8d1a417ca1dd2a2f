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

    [Fact]
    public async Task an_append_on_a_log_grown_since_its_connection_last_planned_still_reads_only_its_own_rows()
    {
        // One pooled connection, used while the log is nearly empty: long enough for its statements to be prepared and
        // for PostgreSQL to settle on a generic plan (after five executions), which it keeps until the next ANALYZE.
        var rowsRead = new List<long>();
        var inline = new InlineCallback(async (context, _, ct) => rowsRead.Add((long)(await context.ScalarAsync(
            "SELECT coalesce(sum(seq_tup_read + coalesce(idx_tup_fetch, 0)), 0)::bigint FROM pg_stat_xact_user_tables " +
            "WHERE schemaname = 'governance' AND relname IN ('mt_events', 'event_hashes')", ct))!));
        var single = new NpgsqlConnectionStringBuilder(fixture.ConnectionString) { MaxPoolSize = 1 }.ConnectionString;
        await using var dataSource = EventLogStore.CreateDataSource(new EventLogOptions { ConnectionString = single });
        await using var store = new MartenEventStore(fixture.Log.Store, dataSource, fixture.Log.Options.Registry, [inline]);
        for (var i = 0; i < 12; i++)
        {
            // A dozen events each, as group commits carry: with one, PostgreSQL keeps planning afresh (it estimates ten).
            var dozen = Enumerable.Range(0, 12).Select(n => (object)new Counted(2, n)).ToList();
            await store.AppendAsync(TestEvents.NewStream("counter"), "counter", ExpectedVersion.NoStream, dozen, TestEvents.Meta);
        }

        // The log grows by 1,500 events on another connection, and nobody analyzes it.
        await using (var other = fixture.CreateStore())
        {
            var history = Enumerable.Range(0, 1_500).Select(i => (object)new Counted(3, i)).ToList();
            await other.Store.AppendAsync(TestEvents.NewStream("counter"), "counter", ExpectedVersion.NoStream, history, TestEvents.Meta);
        }

        rowsRead.Clear();
        var stream = TestEvents.NewStream("counter");
        await store.AppendAsync(stream, "counter", ExpectedVersion.NoStream, [new Counted(4, 1)], TestEvents.Meta);
        await store.AppendAsync(stream, "counter", ExpectedVersion.Exactly(1), [new Counted(4, 2)], TestEvents.Meta);

        // The backend keeps its counts across transactions until it reports them (at most once a second): the second
        // append's own reads are the difference, unless a report came in between, which leaves its reads alone.
        var second = rowsRead[1] >= rowsRead[0] ? rowsRead[1] - rowsRead[0] : rowsRead[1];
        second.ShouldBeLessThan(20, $"rows of mt_events and event_hashes read by one append (counted: {string.Join(", ", rowsRead)})");
    }
}
