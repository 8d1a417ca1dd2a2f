using Governance.EventLog.Tests.Infrastructure;
using Marten;
using Marten.Services;

namespace Governance.EventLog.Tests.Store;

/// <summary>Expected versions, conflicts and units of work, through the service's store on Marten.</summary>
public sealed class AppendTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static readonly object[] OneEvent = [new ThingCreated("one")];

    [Fact]
    public async Task appending_with_any_works_on_a_new_and_on_an_existing_stream()
    {
        await using var s = fixture.CreateStore();
        var stream = TestEvents.NewStream();

        (await s.Store.AppendAsync(stream, "thing", ExpectedVersion.Any, OneEvent, TestEvents.Meta)).VersionOf(stream).ShouldBe(1);
        (await s.Store.AppendAsync(stream, "thing", ExpectedVersion.Any, [new ThingRenamed("a"), new ThingRenamed("b")], TestEvents.Meta))
            .VersionOf(stream).ShouldBe(3);
        (await s.Store.GetStreamVersionAsync(stream)).ShouldBe(3);
        (await s.Store.ReadStreamAsync(stream)).ShouldAllBe(e => e.StreamType == "thing");
    }

    [Fact]
    public async Task appending_with_no_stream_creates_the_stream()
    {
        await using var s = fixture.CreateStore();
        var stream = TestEvents.NewStream();

        var result = await s.Store.AppendAsync(stream, "thing", ExpectedVersion.NoStream, OneEvent, TestEvents.Meta);

        result.Events.Single().Version.ShouldBe(1);
        (await s.Store.GetStreamVersionAsync(stream)).ShouldBe(1);
    }

    [Fact]
    public async Task appending_with_no_stream_to_an_existing_stream_is_a_conflict()
    {
        await using var s = fixture.CreateStore();
        var stream = TestEvents.NewStream();
        await s.Store.AppendAsync(stream, "thing", ExpectedVersion.NoStream, OneEvent, TestEvents.Meta);

        var conflict = await Should.ThrowAsync<ConcurrencyException>(
            () => s.Store.AppendAsync(stream, "thing", ExpectedVersion.NoStream, OneEvent, TestEvents.Meta));

        conflict.StreamId.ShouldBe(stream);
        conflict.Expected.ShouldBe(ExpectedVersion.NoStream);
        conflict.Actual.ShouldBe(1);
        (await s.Store.GetStreamVersionAsync(stream)).ShouldBe(1);
    }

    [Fact]
    public async Task appending_with_stream_exists_to_a_missing_stream_is_a_conflict()
    {
        await using var s = fixture.CreateStore();
        var stream = TestEvents.NewStream();

        var conflict = await Should.ThrowAsync<ConcurrencyException>(
            () => s.Store.AppendAsync(stream, "thing", ExpectedVersion.StreamExists, OneEvent, TestEvents.Meta));

        conflict.Actual.ShouldBe(0);
        (await s.Store.GetStreamVersionAsync(stream)).ShouldBe(0);
        (await s.Store.ReadStreamAsync(stream)).ShouldBeEmpty();
    }

    [Fact]
    public async Task appending_with_stream_exists_to_an_existing_stream_works()
    {
        await using var s = fixture.CreateStore();
        var stream = TestEvents.NewStream();
        await s.Store.AppendAsync(stream, "thing", ExpectedVersion.NoStream, OneEvent, TestEvents.Meta);

        var result = await s.Store.AppendAsync(stream, "thing", ExpectedVersion.StreamExists, [new ThingRenamed("x")], TestEvents.Meta);

        result.VersionOf(stream).ShouldBe(2);
    }

    [Fact]
    public async Task appending_at_the_right_exact_version_works()
    {
        await using var s = fixture.CreateStore();
        var stream = TestEvents.NewStream();
        await s.Store.AppendAsync(stream, "thing", ExpectedVersion.NoStream, OneEvent, TestEvents.Meta);
        await s.Store.AppendAsync(stream, "thing", ExpectedVersion.Exactly(1), [new ThingRenamed("x")], TestEvents.Meta);

        var result = await s.Store.AppendAsync(stream, "thing", ExpectedVersion.Exactly(2), [new ThingRenamed("y")], TestEvents.Meta);

        result.VersionOf(stream).ShouldBe(3);
        (await s.Store.ReadStreamAsync(stream)).Select(e => e.Version).ShouldBe([1, 2, 3]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task appending_to_a_stream_at_the_wrong_version_is_a_conflict(long expected)
    {
        await using var s = fixture.CreateStore();
        var stream = TestEvents.NewStream();
        await s.Store.AppendAsync(stream, "thing", ExpectedVersion.NoStream, [new ThingCreated("a"), new ThingRenamed("b")], TestEvents.Meta);

        var conflict = await Should.ThrowAsync<ConcurrencyException>(
            () => s.Store.AppendAsync(stream, "thing", ExpectedVersion.Exactly(expected), [new ThingRenamed("c")], TestEvents.Meta));

        conflict.StreamId.ShouldBe(stream);
        conflict.Expected.ShouldBe(ExpectedVersion.Exactly(expected));
        conflict.Actual.ShouldBe(2);
        conflict.Message.ShouldBe($"Stream '{stream}' was expected at version {expected} but is at version 2.");
        (await s.Store.GetStreamVersionAsync(stream)).ShouldBe(2);
    }

    [Fact]
    public async Task appending_at_an_exact_version_to_a_missing_stream_is_a_conflict()
    {
        await using var s = fixture.CreateStore();
        var stream = TestEvents.NewStream();

        var conflict = await Should.ThrowAsync<ConcurrencyException>(
            () => s.Store.AppendAsync(stream, "thing", ExpectedVersion.Exactly(1), OneEvent, TestEvents.Meta));

        conflict.Actual.ShouldBe(0);
        (await s.Store.ReadStreamAsync(stream)).ShouldBeEmpty();
    }

    [Fact]
    public void an_exact_version_is_one_or_more()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => ExpectedVersion.Exactly(0));
    }

    [Fact]
    public async Task thirty_two_concurrent_appenders_to_one_stream_end_with_contiguous_versions_and_losers_get_conflicts()
    {
        await using var s = fixture.CreateStore();
        var stream = TestEvents.NewStream();
        const int writers = 32;
        var conflicts = 0;
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var tasks = Enumerable.Range(1, writers).Select(writer => Task.Run(async () =>
        {
            await start.Task;
            while (true)
            {
                var version = await s.Store.GetStreamVersionAsync(stream);
                var expected = version == 0 ? ExpectedVersion.NoStream : ExpectedVersion.Exactly(version);
                try
                {
                    var result = await s.Store.AppendAsync(stream, "thing", expected, [new Counted(writer, 1)], TestEvents.Meta);
                    return result.VersionOf(stream);
                }
                catch (ConcurrencyException)
                {
                    Interlocked.Increment(ref conflicts);
                }
            }
        })).ToList();

        start.SetResult();
        var versions = await Task.WhenAll(tasks);

        versions.Order().ShouldBe(Enumerable.Range(1, writers).Select(v => (long)v));
        var events = await s.Store.ReadStreamAsync(stream);
        events.Select(e => e.Version).ShouldBe(Enumerable.Range(1, writers));
        events.Select(e => ((Counted)e.Data).Writer).Distinct().Count().ShouldBe(writers);
        conflicts.ShouldBeGreaterThan(0);
        (await s.Store.VerifyHashChainsAsync()).Broken.Where(b => b.StreamId == stream).ShouldBeEmpty();
    }

    [Fact]
    public async Task concurrent_creators_of_one_stream_all_but_one_get_a_conflict()
    {
        // Hold the writers until all are queued, so they really race.
        await using var s = fixture.CreateStore();
        var stream = TestEvents.NewStream();
        const int writers = 16;
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var racing = Enumerable.Range(1, writers).Select(writer => Task.Run(async () =>
        {
            await start.Task;
            try
            {
                await s.Store.AppendAsync(stream, "thing", ExpectedVersion.NoStream, [new Counted(writer, 1)], TestEvents.Meta);
                return true;
            }
            catch (ConcurrencyException)
            {
                return false;
            }
        })).ToList();
        start.SetResult();
        var outcomes = await Task.WhenAll(racing);

        outcomes.Count(won => won).ShouldBe(1);
        (await s.Store.ReadStreamAsync(stream)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task a_unit_of_work_over_several_streams_writes_all_of_them()
    {
        await using var s = fixture.CreateStore();
        var (a, b, c) = (TestEvents.NewStream(), TestEvents.NewStream(), TestEvents.NewStream());
        await s.Store.AppendAsync(b, "thing", ExpectedVersion.NoStream, OneEvent, TestEvents.Meta);

        var result = await s.Store.AppendAsync(
            [
                new StreamAppend(a, "thing", ExpectedVersion.NoStream, [new ThingCreated("a"), new ThingRenamed("a2")]),
                new StreamAppend(b, "thing", ExpectedVersion.Exactly(1), [new ThingRenamed("b2")]),
                new StreamAppend(c, "other", ExpectedVersion.Any, [new ThingCreated("c")]),
            ],
            TestEvents.Meta);

        result.Events.Count.ShouldBe(4);
        result.VersionOf(a).ShouldBe(2);
        result.VersionOf(b).ShouldBe(2);
        result.VersionOf(c).ShouldBe(1);
        result.Events.Select(e => e.Seq).Distinct().Count().ShouldBe(4);
        result.Events.Select(e => e.TxId).Distinct().Count().ShouldBe(1);

        // What the append returned is what the log holds.
        foreach (var stream in new[] { a, b, c })
        {
            var stored = await s.Store.ReadStreamAsync(stream);
            var returned = result.Events.Where(e => e.StreamId == stream).ToList();
            stored.Where(e => returned.Any(r => r.Version == e.Version))
                .Select(e => (e.Seq, e.Id, e.Version, e.Type, Hash: Convert.ToHexString(e.Hash), e.RecordedAt))
                .ShouldBe(returned.Select(e => (e.Seq, e.Id, e.Version, e.Type, Hash: Convert.ToHexString(e.Hash), e.RecordedAt)));
        }

        (await s.Store.ReadStreamAsync(c)).Single().StreamType.ShouldBe("other");
    }

    [Fact]
    public async Task a_unit_of_work_with_one_conflict_writes_nothing()
    {
        await using var s = fixture.CreateStore();
        var (a, b, c) = (TestEvents.NewStream(), TestEvents.NewStream(), TestEvents.NewStream());
        await s.Store.AppendAsync(b, "thing", ExpectedVersion.NoStream, OneEvent, TestEvents.Meta);

        await Should.ThrowAsync<ConcurrencyException>(() => s.Store.AppendAsync(
            [
                new StreamAppend(a, "thing", ExpectedVersion.NoStream, [new ThingCreated("a")]),
                new StreamAppend(b, "thing", ExpectedVersion.Exactly(5), [new ThingRenamed("b2")]),
                new StreamAppend(c, "thing", ExpectedVersion.Any, [new ThingCreated("c")]),
            ],
            TestEvents.Meta));

        (await s.Store.GetStreamVersionAsync(a)).ShouldBe(0);
        (await s.Store.GetStreamVersionAsync(b)).ShouldBe(1);
        (await s.Store.GetStreamVersionAsync(c)).ShouldBe(0);
        (await s.Store.ReadStreamAsync(a)).ShouldBeEmpty();
        (await s.Store.ReadStreamAsync(c)).ShouldBeEmpty();
    }

    [Fact]
    public async Task a_unit_of_work_that_loses_a_creation_race_writes_nothing()
    {
        await using var s = fixture.CreateStore();
        var (a, b) = (TestEvents.NewStream(), TestEvents.NewStream());

        // b is started by someone else, who has not committed yet when we look: the stream's key catches it.
        await using var blocker = await s.DataSource.OpenConnectionAsync();
        await using var tx = await blocker.BeginTransactionAsync();
        await using (var session = fixture.Log.Store.LightweightSession(SessionOptions.ForTransaction(tx)).WithMetadata(TestEvents.Meta))
        {
            session.Events.StartStream<Thing>(b, new ThingCreated("first"));
            await session.SaveChangesAsync();
        }

        var append = s.Store.AppendAsync(
            [
                new StreamAppend(a, "thing", ExpectedVersion.NoStream, [new ThingCreated("a")]),
                new StreamAppend(b, "thing", ExpectedVersion.Any, [new ThingCreated("b")]),
            ],
            TestEvents.Meta);
        await Task.Delay(200);
        await tx.CommitAsync();

        await Should.ThrowAsync<ConcurrencyException>(() => append);
        (await s.Store.ReadStreamAsync(a)).ShouldBeEmpty();
        (await s.Store.ReadStreamAsync(b)).Single().Data.ShouldBe(new ThingCreated("first"));
    }

    [Fact]
    public async Task an_append_without_events_or_with_a_stream_twice_is_refused()
    {
        await using var s = fixture.CreateStore();
        var stream = TestEvents.NewStream();

        await Should.ThrowAsync<ArgumentException>(() => s.Store.AppendAsync(stream, "thing", ExpectedVersion.Any, [], TestEvents.Meta));
        await Should.ThrowAsync<ArgumentException>(() => s.Store.AppendAsync(
            [new StreamAppend(stream, "thing", ExpectedVersion.Any, OneEvent), new StreamAppend(stream, "thing", ExpectedVersion.Any, OneEvent)],
            TestEvents.Meta));
        await Should.ThrowAsync<ArgumentException>(() => s.Store.StartStreamAsync(stream, "thing", [], TestEvents.Meta));
        (await s.Store.ReadStreamAsync(stream)).ShouldBeEmpty();
    }
}
