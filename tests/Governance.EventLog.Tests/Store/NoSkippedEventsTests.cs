using Governance.EventLog.Tests.Infrastructure;

namespace Governance.EventLog.Tests.Store;

/// <summary>
/// Marten's async daemon, behind appends made by the service's store: a transaction held open is waited for, a
/// rolled-back append's gap is not. (Many writers with random delays, slow and rolled-back appends, exactly once:
/// <see cref="ExactlyOnceTests"/>.)
/// </summary>
public sealed class NoSkippedEventsTests
{
    [Fact]
    public async Task an_append_held_open_while_later_appends_commit_is_still_projected()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slowInline = new InlineCallback(async (_, events, ct) =>
        {
            if (events.Any(e => e.Data is ThingCreated { Name: "slow" }))
            {
                entered.TrySetResult();
                await release.Task.WaitAsync(ct);
            }
        });
        await using var d = await DaemonLog.StartAsync(inline: [slowInline]);
        await d.StartDaemonAsync();

        var slow = d.Store.AppendAsync("thing-slow", "thing", ExpectedVersion.NoStream, [new ThingCreated("slow")], TestEvents.Meta);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var fast = new List<StoredEvent>();
        for (var i = 0; i < 10; i++)
        {
            fast.AddRange((await d.Store.AppendAsync($"thing-{i}", "thing", ExpectedVersion.NoStream, [new ThingCreated("fast")], TestEvents.Meta)).Events);
        }

        // Many polls later, and past the stale-sequence threshold, the daemon still has not moved past the open transaction.
        await Task.Delay(d.Log.Options.StaleSequenceThreshold * 2.5);
        (await d.RecordedAsync()).ShouldBeEmpty();

        release.SetResult();
        var slowEvent = (await slow).Events.Single();
        slowEvent.Seq.ShouldBeLessThan(fast.Min(e => e.Seq));
        await d.WaitForProjectionsAsync();

        var projected = await d.RecordedAsync();
        projected.Select(p => p.Seq).ShouldBe(fast.Select(e => e.Seq).Append(slowEvent.Seq).Order());
        projected.ShouldAllBe(p => p.Applied == 1);
    }

    [Fact]
    public async Task a_rolled_back_append_leaves_a_gap_that_does_not_stall_the_daemon()
    {
        long lostSeq = 0;
        var refuse = new InlineCallback((_, events, _) =>
        {
            // The events are written and their sequence number drawn when the inline projection refuses them.
            if (events.SingleOrDefault(e => e.Data is ThingCreated { Name: "lost" }) is { } lost)
            {
                lostSeq = lost.Seq;
                throw new InvalidOperationException("refused");
            }

            return Task.CompletedTask;
        });
        await using var d = await DaemonLog.StartAsync(inline: [refuse]);
        await d.StartDaemonAsync();
        await d.Store.AppendAsync("thing-before", "thing", ExpectedVersion.NoStream, [new ThingCreated("a")], TestEvents.Meta);

        await Should.ThrowAsync<InvalidOperationException>(
            () => d.Store.AppendAsync("thing-lost", "thing", ExpectedVersion.NoStream, [new ThingCreated("lost")], TestEvents.Meta));

        for (var i = 0; i < 5; i++)
        {
            await d.Store.AppendAsync("thing-after", "thing", ExpectedVersion.Any, [new ThingRenamed($"n{i}")], TestEvents.Meta);
        }

        await d.WaitForProjectionsAsync(seconds: 30);

        lostSeq.ShouldBeGreaterThan(0);
        var logged = await d.LoggedAsync();
        logged.Count.ShouldBe(6);
        logged.ShouldNotContain(lostSeq);
        logged.ShouldContain(seq => seq > lostSeq);
        (await d.RecordedAsync()).ShouldBe(logged.Select(seq => (seq, 1)));
    }
}
