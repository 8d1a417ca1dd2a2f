using Governance.EventStore.Tests.Infrastructure;
using NodaTime;

namespace Governance.EventStore.Tests;

public sealed class ReadingTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static async Task<(string Stream, List<StoredEvent> Events)> FiveEventsAsync(TestStore s)
    {
        var stream = TestEvents.NewStream();
        var events = new List<StoredEvent>();
        events.AddRange((await s.Store.AppendAsync(stream, "thing", ExpectedVersion.NoStream, [new ThingCreated("v1")], TestEvents.Meta)).Events);
        for (var i = 2; i <= 5; i++)
        {
            await Task.Delay(5); // distinct recorded_at per append
            events.AddRange((await s.Store.AppendAsync(stream, "thing", ExpectedVersion.Exactly(i - 1), [new ThingRenamed($"v{i}")], TestEvents.Meta)).Events);
        }

        return (stream, events);
    }

    [Fact]
    public async Task a_stream_is_read_oldest_first_with_its_events_deserialized()
    {
        await using var s = fixture.CreateStore();
        var (stream, written) = await FiveEventsAsync(s);

        var read = await s.Store.ReadStreamAsync(stream);

        read.Select(e => e.Version).ShouldBe([1, 2, 3, 4, 5]);
        read[0].Data.ShouldBe(new ThingCreated("v1"));
        read[0].Type.ShouldBe("thing_created");
        read[4].Data.ShouldBe(new ThingRenamed("v5"));
        read.Select(e => e.Id).ShouldBe(written.Select(e => e.Id));
        read.Select(e => e.RecordedAt).ShouldBe(written.Select(e => e.RecordedAt));
        read.ShouldAllBe(e => e.StreamId == stream && e.StreamType == "thing");
    }

    [Fact]
    public async Task a_stream_is_read_from_a_version()
    {
        await using var s = fixture.CreateStore();
        var (stream, _) = await FiveEventsAsync(s);

        (await s.Store.ReadStreamAsync(stream, new StreamRead(FromVersion: 3))).Select(e => e.Version).ShouldBe([3, 4, 5]);
        (await s.Store.ReadStreamAsync(stream, new StreamRead(FromVersion: 6))).ShouldBeEmpty();
    }

    [Fact]
    public async Task a_stream_is_read_up_to_a_version()
    {
        await using var s = fixture.CreateStore();
        var (stream, _) = await FiveEventsAsync(s);

        (await s.Store.ReadStreamAsync(stream, new StreamRead(ToVersion: 2))).Select(e => e.Version).ShouldBe([1, 2]);
        (await s.Store.ReadStreamAsync(stream, new StreamRead(FromVersion: 2, ToVersion: 4))).Select(e => e.Version).ShouldBe([2, 3, 4]);
    }

    [Fact]
    public async Task a_stream_is_read_as_of_an_instant()
    {
        await using var s = fixture.CreateStore();
        var (stream, written) = await FiveEventsAsync(s);

        (await s.Store.ReadStreamAsync(stream, new StreamRead(AsOf: written[2].RecordedAt))).Select(e => e.Version).ShouldBe([1, 2, 3]);
        (await s.Store.ReadStreamAsync(stream, new StreamRead(AsOf: written[0].RecordedAt - Duration.FromMilliseconds(1)))).ShouldBeEmpty();
    }

    [Fact]
    public async Task aggregating_a_stream_folds_its_events_with_evolve()
    {
        await using var s = fixture.CreateStore();
        var (stream, _) = await FiveEventsAsync(s);

        var aggregate = await s.Store.AggregateStreamAsync<ThingState>(stream);

        aggregate.ShouldNotBeNull();
        aggregate.State.ShouldBe(new ThingState("v5", 4));
        aggregate.Version.ShouldBe(5);
    }

    [Fact]
    public async Task aggregating_as_of_an_instant_gives_the_state_at_that_time()
    {
        await using var s = fixture.CreateStore();
        var (stream, written) = await FiveEventsAsync(s);

        var then = await s.Store.AggregateStreamAsync<ThingState>(stream, written[1].RecordedAt);

        then.ShouldNotBeNull();
        then.State.ShouldBe(new ThingState("v2", 1));
        then.Version.ShouldBe(2);
        (await s.Store.AggregateStreamAsync<ThingState>(stream, written[0].RecordedAt - Duration.FromMilliseconds(1))).ShouldBeNull();
    }

    [Fact]
    public async Task aggregating_a_missing_stream_gives_null()
    {
        await using var s = fixture.CreateStore();

        (await s.Store.AggregateStreamAsync<ThingState>(TestEvents.NewStream())).ShouldBeNull();
    }

    [Fact]
    public async Task metadata_round_trips_actor_correlation_causation_trace_and_headers()
    {
        await using var s = fixture.CreateStore();
        var stream = TestEvents.NewStream();
        var metadata = new EventMetadata(
            "alice@example.com", "corr-42", "cause-7", "4bf92f3577b34da6a3ce929d0e0e4736",
            new Dictionary<string, string> { ["user-agent"] = "governance-cli/1.0" });

        await s.Store.AppendAsync(stream, "thing", ExpectedVersion.NoStream, [new ThingCreated("m")], metadata);
        var read = (await s.Store.ReadStreamAsync(stream)).Single().Metadata;

        read.Actor.ShouldBe("alice@example.com");
        read.CorrelationId.ShouldBe("corr-42");
        read.CausationId.ShouldBe("cause-7");
        read.TraceId.ShouldBe("4bf92f3577b34da6a3ce929d0e0e4736");
        read.Headers.ShouldNotBeNull();
        read.Headers["user-agent"].ShouldBe("governance-cli/1.0");
    }

    [Fact]
    public async Task metadata_without_optional_fields_round_trips_as_nulls()
    {
        await using var s = fixture.CreateStore();
        var stream = TestEvents.NewStream();

        await s.Store.AppendAsync(stream, "thing", ExpectedVersion.NoStream, [new ThingCreated("m")], EventMetadata.System("timer"));
        var read = (await s.Store.ReadStreamAsync(stream)).Single().Metadata;

        read.ShouldBe(new EventMetadata("system:timer"));
    }

    [Fact]
    public async Task the_log_is_read_in_transaction_order_after_a_position()
    {
        await using var s = fixture.CreateStore();
        var (_, written) = await FiveEventsAsync(s);

        // The horizon is the oldest transaction running anywhere in the cluster (other test classes too), so poll.
        IReadOnlyList<StoredEvent> after = [];
        for (var attempt = 0; attempt < 500 && after.Count(e => e.StreamId == written[0].StreamId) < 3; attempt++)
        {
            await Task.Delay(attempt == 0 ? 0 : 20);
            after = await s.Store.ReadAllAsync(written[1].Position, 100_000);
        }

        after.Select(e => e.Id).Take(3).ShouldBe(written.Skip(2).Select(e => e.Id));
        after.Zip(after.Skip(1)).ShouldAllBe(p => p.First.Position < p.Second.Position);
    }
}
