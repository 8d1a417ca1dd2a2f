using Governance.EventLog.Tests.Infrastructure;
using NodaTime;

namespace Governance.EventLog.Tests.Store;

/// <summary>Streams read by version and time, folded, and the whole log read in commit order without holes.</summary>
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
        read.Select(e => e.Seq).ShouldBe(written.Select(e => e.Seq));
        read.Select(e => Convert.ToHexString(e.Hash)).ShouldBe(written.Select(e => Convert.ToHexString(e.Hash)));
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
        (await s.Store.ReadStreamAsync(TestEvents.NewStream())).ShouldBeEmpty();
        (await s.Store.GetStreamVersionAsync(TestEvents.NewStream())).ShouldBe(0);
    }

    [Fact]
    public async Task metadata_round_trips_actor_correlation_causation_trace_and_headers()
    {
        await using var s = fixture.CreateStore();
        var stream = TestEvents.NewStream();
        var metadata = new EventMetadata(
            "alice@example.com", "corr-42", "cause-7", "4bf92f3577b34da6a3ce929d0e0e4736",
            new Dictionary<string, string> { ["user-agent"] = "governance-cli/1.0" });

        var appended = await s.Store.AppendAsync(stream, "thing", ExpectedVersion.NoStream, [new ThingCreated("m")], metadata);
        var read = (await s.Store.ReadStreamAsync(stream)).Single().Metadata;

        read.Actor.ShouldBe("alice@example.com");
        read.CorrelationId.ShouldBe("corr-42");
        read.CausationId.ShouldBe("cause-7");
        read.TraceId.ShouldBe("4bf92f3577b34da6a3ce929d0e0e4736");
        read.Headers.ShouldNotBeNull();
        read.Headers["user-agent"].ShouldBe("governance-cli/1.0");
        read.Headers.Count.ShouldBe(1);
        appended.Events.Single().Metadata.ShouldBe(metadata);
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
        var after = await ReadAllUntilAsync(s, written[1].Position, page => page.Count(e => e.StreamId == written[0].StreamId) >= 3);

        after.Select(e => e.Id).Take(3).ShouldBe(written.Skip(2).Select(e => e.Id));
        after.Zip(after.Skip(1)).ShouldAllBe(p => p.First.Position < p.Second.Position);
    }

    [Fact]
    public async Task a_page_of_the_log_never_passes_a_transaction_still_running()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holdOpen = new InlineCallback(async (_, events, ct) =>
        {
            if (events.Any(e => e.Data is ThingCreated { Name: "slow" }))
            {
                entered.TrySetResult();
                await release.Task.WaitAsync(ct);
            }
        });
        await using var s = fixture.CreateStore(inline: [holdOpen]);
        var before = (await s.Store.AppendAsync(TestEvents.NewStream(), "thing", ExpectedVersion.NoStream, [new ThingCreated("before")], TestEvents.Meta)).Events.Single();

        // The slow append has drawn its sequence number and holds its transaction open; later appends commit past it.
        var slow = s.Store.AppendAsync(TestEvents.NewStream(), "thing", ExpectedVersion.NoStream, [new ThingCreated("slow")], TestEvents.Meta);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var fast = new List<StoredEvent>();
        for (var i = 0; i < 5; i++)
        {
            fast.AddRange((await s.Store.AppendAsync(TestEvents.NewStream(), "thing", ExpectedVersion.NoStream, [new ThingCreated("fast")], TestEvents.Meta)).Events);
        }

        var whileOpen = await s.Store.ReadAllAsync(before.Position, 100_000);
        whileOpen.ShouldNotContain(e => fast.Any(f => f.Id == e.Id), "a page passed a transaction still running");

        release.SetResult();
        var slowEvent = (await slow).Events.Single();
        slowEvent.Seq.ShouldBeLessThan(fast.Min(e => e.Seq));
        var afterCommit = await ReadAllUntilAsync(s, before.Position, page => fast.All(f => page.Any(e => e.Id == f.Id)));

        var mine = afterCommit.Where(e => e.Id == slowEvent.Id || fast.Any(f => f.Id == e.Id)).Select(e => e.Id).ToList();
        mine.ShouldBe(fast.Select(e => e.Id).Prepend(slowEvent.Id));
    }

    private static async Task<IReadOnlyList<StoredEvent>> ReadAllUntilAsync(TestStore s, LogPosition after, Func<IReadOnlyList<StoredEvent>, bool> complete)
    {
        IReadOnlyList<StoredEvent> page = [];
        for (var attempt = 0; attempt < 500 && !complete(page); attempt++)
        {
            await Task.Delay(attempt == 0 ? 0 : 20);
            page = await s.Store.ReadAllAsync(after, 100_000);
        }

        complete(page).ShouldBeTrue("the log never showed the committed events");
        return page;
    }
}
