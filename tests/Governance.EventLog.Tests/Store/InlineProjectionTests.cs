using Governance.EventLog.Tests.Infrastructure;

namespace Governance.EventLog.Tests.Store;

/// <summary>
/// Inline projections run in the append transaction, after Marten has written the events, and see them as stored:
/// sequence number, version, hash and transaction (what Marten's own inline projections cannot see in Quick mode).
/// </summary>
public sealed class InlineProjectionTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static string NewTable() => $"governance.inline_{Guid.NewGuid():N}";

    [Fact]
    public async Task an_inline_projection_runs_in_the_append_transaction_and_sees_the_new_events()
    {
        var table = NewTable();
        await fixture.ExecuteAsync($"CREATE TABLE {table} (stream_id text PRIMARY KEY, name text, tx xid8, events_visible bigint)");
        var inline = new InlineCallback(async (context, events, ct) =>
        {
            foreach (var @event in events.Where(e => e.Data is ThingCreated))
            {
                await context.ExecuteAsync(
                    $"INSERT INTO {table} VALUES ($1, $2, pg_current_xact_id(), (SELECT count(*) FROM governance.mt_events WHERE stream_id = $1))",
                    ct, @event.StreamId, ((ThingCreated)@event.Data).Name);
            }
        });
        await using var s = fixture.CreateStore(inline: [inline]);
        var stream = TestEvents.NewStream();

        var appended = await s.Store.AppendAsync(stream, "thing", ExpectedVersion.NoStream, [new ThingCreated("inline")], TestEvents.Meta);

        (await fixture.ScalarAsync<string>($"SELECT name FROM {table} WHERE stream_id = '{stream}'")).ShouldBe("inline");
        (await fixture.ScalarAsync<long>($"SELECT events_visible FROM {table} WHERE stream_id = '{stream}'")).ShouldBe(1);
        (await fixture.ScalarAsync<string>($"SELECT tx::text FROM {table} WHERE stream_id = '{stream}'"))
            .ShouldBe(appended.Events.Single().TxId.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task an_inline_projection_sees_the_sequence_numbers_versions_and_hashes_the_log_stored()
    {
        var table = NewTable();
        await fixture.ExecuteAsync($"CREATE TABLE {table} (seq bigint PRIMARY KEY, stream_id text, version int, hash bytea, tx xid8, stored boolean)");
        var inline = new InlineCallback(async (context, events, ct) =>
        {
            foreach (var @event in events)
            {
                // Checked in the transaction, against the rows Marten and the hash trigger have just written.
                await context.ExecuteAsync(
                    $"INSERT INTO {table} VALUES ($1, $2, $3, $4, $5::xid8, EXISTS (SELECT 1 FROM governance.mt_events e " +
                    "JOIN governance.event_hashes h ON h.seq_id = e.seq_id WHERE e.seq_id = $1 AND e.stream_id = $2 AND e.version = $3 " +
                    "AND h.hash = $4 AND h.tx_id = $5::xid8 AND h.tx_id = pg_current_xact_id()))",
                    ct, @event.Seq, @event.StreamId, @event.Version, @event.Hash, @event.TxId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        });
        await using var s = fixture.CreateStore(inline: [inline]);
        var stream = TestEvents.NewStream();

        var first = await s.Store.AppendAsync(stream, "thing", ExpectedVersion.NoStream, [new ThingCreated("a"), new ThingRenamed("b")], TestEvents.Meta);
        var second = await s.Store.AppendAsync(stream, "thing", ExpectedVersion.Exactly(2), [new ThingRenamed("c")], TestEvents.Meta);

        var seen = await Sql.RowsAsync(fixture.ConnectionString, $"SELECT seq, version, hash, stored FROM {table} ORDER BY seq");
        var logged = await Sql.RowsAsync(fixture.ConnectionString,
            $"SELECT e.seq_id, e.version::int, h.hash, true FROM governance.mt_events e JOIN governance.event_hashes h ON h.seq_id = e.seq_id " +
            $"WHERE e.stream_id = '{stream}' ORDER BY e.seq_id");
        seen.Count.ShouldBe(3);
        seen.ShouldBe(logged);
        seen.Select(r => (int)r[1]!).ShouldBe([1, 2, 3]);
        seen.Select(r => Convert.ToHexString((byte[])r[2]!)).Distinct().Count().ShouldBe(3);
        first.Events.Concat(second.Events).Select(e => e.Seq).ShouldBe(seen.Select(r => (long)r[0]!));
    }

    [Fact]
    public async Task a_failing_inline_projection_means_nothing_was_appended()
    {
        var table = NewTable();
        await fixture.ExecuteAsync($"CREATE TABLE {table} (stream_id text)");
        var inline = new InlineCallback(async (context, events, ct) =>
        {
            await context.ExecuteAsync($"INSERT INTO {table} VALUES ($1)", ct, events[0].StreamId);
            if (events.Any(e => e.Data is ThingRenamed { Name: "refused" }))
            {
                throw new InvalidOperationException("the read model refuses this");
            }
        });
        await using var s = fixture.CreateStore(inline: [inline]);
        var stream = TestEvents.NewStream();
        var other = TestEvents.NewStream();
        await s.Store.AppendAsync(stream, "thing", ExpectedVersion.NoStream, [new ThingCreated("ok")], TestEvents.Meta);

        await Should.ThrowAsync<InvalidOperationException>(() => s.Store.AppendAsync(
            [
                new StreamAppend(stream, "thing", ExpectedVersion.Exactly(1), [new ThingRenamed("refused")]),
                new StreamAppend(other, "thing", ExpectedVersion.NoStream, [new ThingCreated("other")]),
            ],
            TestEvents.Meta));

        (await s.Store.GetStreamVersionAsync(stream)).ShouldBe(1);
        (await s.Store.ReadStreamAsync(stream)).Count.ShouldBe(1);
        (await s.Store.ReadStreamAsync(other)).ShouldBeEmpty();
        (await fixture.ScalarAsync<long>($"SELECT count(*) FROM {table}")).ShouldBe(1);
        (await s.Store.AppendAsync(stream, "thing", ExpectedVersion.Exactly(1), [new ThingRenamed("fine")], TestEvents.Meta)).VersionOf(stream).ShouldBe(2);
    }

    [Fact]
    public async Task queued_projection_writes_run_in_order_before_a_read_and_commit_with_the_events()
    {
        var table = NewTable();
        await fixture.ExecuteAsync($"CREATE TABLE {table} (stream_id text, step int, seen bigint)");
        var inline = new InlineCallback(async (context, events, ct) =>
        {
            var stream = events[0].StreamId;
            context.Enqueue($"INSERT INTO {table} (stream_id, step) VALUES ($1, 1)", stream);
            context.Enqueue($"UPDATE {table} SET step = 2 WHERE stream_id = $1", stream);
            context.QueuedStatements.ShouldBe(2);

            // A read flushes what is queued first, so the projection sees its own writes.
            var step = await context.ScalarAsync($"SELECT step FROM {table} WHERE stream_id = $1", ct, stream);
            context.QueuedStatements.ShouldBe(0);
            context.Enqueue($"UPDATE {table} SET seen = $2 WHERE stream_id = $1", stream, (long)(int)step!);
        });
        await using var s = fixture.CreateStore(inline: [inline]);
        var stream = TestEvents.NewStream();

        await s.Store.AppendAsync(stream, "thing", ExpectedVersion.NoStream, [new ThingCreated("queued")], TestEvents.Meta);

        (await fixture.ScalarAsync<long>($"SELECT seen FROM {table} WHERE stream_id = '{stream}'")).ShouldBe(2);
    }

    [Fact]
    public async Task a_queued_projection_write_that_fails_means_nothing_was_appended()
    {
        var table = NewTable();
        await fixture.ExecuteAsync($"CREATE TABLE {table} (stream_id text PRIMARY KEY)");
        var inline = new InlineCallback((context, events, _) =>
        {
            // The second insert violates the primary key: the error only surfaces when the batch is flushed.
            context.Enqueue($"INSERT INTO {table} VALUES ($1)", events[0].StreamId);
            context.Enqueue($"INSERT INTO {table} VALUES ($1)", events[0].StreamId);
            return Task.CompletedTask;
        });
        await using var s = fixture.CreateStore(inline: [inline]);
        var stream = TestEvents.NewStream();

        await Should.ThrowAsync<Npgsql.PostgresException>(
            () => s.Store.AppendAsync(stream, "thing", ExpectedVersion.NoStream, [new ThingCreated("twice")], TestEvents.Meta));

        (await s.Store.ReadStreamAsync(stream)).ShouldBeEmpty();
        (await fixture.ScalarAsync<long>($"SELECT count(*) FROM {table}")).ShouldBe(0);
    }
}
