using Governance.EventStore.Tests.Infrastructure;

namespace Governance.EventStore.Tests;

public sealed class InlineProjectionTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    [Fact]
    public async Task an_inline_projection_runs_in_the_append_transaction_and_sees_the_new_events()
    {
        var table = $"inline_{Guid.NewGuid():N}";
        await fixture.ExecuteAsync($"CREATE TABLE {table} (stream_id text PRIMARY KEY, name text, tx xid8, events_visible bigint)");
        var inline = new InlineCallback(async (context, events, ct) =>
        {
            foreach (var @event in events.Where(e => e.Data is ThingCreated))
            {
                await context.ExecuteAsync(
                    $"INSERT INTO {table} VALUES ($1, $2, pg_current_xact_id(), (SELECT count(*) FROM governance.events WHERE stream_id = $1))",
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
    public async Task a_failing_inline_projection_means_nothing_was_appended()
    {
        var table = $"inline_{Guid.NewGuid():N}";
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
        var table = $"inline_{Guid.NewGuid():N}";
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
        var table = $"inline_{Guid.NewGuid():N}";
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
