using Governance.EventLog.Tests.Infrastructure;

namespace Governance.EventLog.Tests.Store;

/// <summary>New streams started at once share transactions, yet every caller gets its own result or its own error.</summary>
public sealed class GroupCommitTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    [Fact]
    public async Task concurrent_new_streams_share_commits_and_each_caller_gets_its_own_events()
    {
        await using var s = fixture.CreateStore(groupCommit: new GroupCommitOptions { Writers = 1, MaxAppends = 64 });
        var prefix = $"group-{Guid.NewGuid():N}";
        var streams = Enumerable.Range(0, 300).Select(i => $"{prefix}-{i}").ToList();
        var metadata = streams.Select(stream => TestEvents.Meta with { Actor = "actor-" + stream, CorrelationId = "corr-" + stream }).ToList();

        var results = await Task.WhenAll(streams.Select((stream, i) => Task.Run(() =>
            s.Store.StartStreamAsync(stream, "thing", [new ThingCreated(stream), new ThingRenamed(stream + "!")], metadata[i]))));

        for (var i = 0; i < streams.Count; i++)
        {
            results[i].Events.Select(e => (e.StreamId, e.Version)).ShouldBe([(streams[i], 1), (streams[i], 2)]);
            results[i].VersionOf(streams[i]).ShouldBe(2);
            results[i].Events.Select(e => e.Data).ShouldBe([new ThingCreated(streams[i]), new ThingRenamed(streams[i] + "!")]);
            results[i].Events.ShouldAllBe(e => e.Metadata.Actor == "actor-" + e.StreamId);
        }

        (await fixture.ScalarAsync<long>($"SELECT count(*) FROM governance.mt_events WHERE stream_id LIKE '{prefix}-%'")).ShouldBe(600);
        (await fixture.ScalarAsync<long>($"SELECT count(*) FROM governance.mt_streams WHERE id LIKE '{prefix}-%' AND version = 2")).ShouldBe(300);

        // Each caller's actor and correlation reached its own events, although callers shared sessions.
        (await fixture.ScalarAsync<long>(
            $"SELECT count(*) FROM governance.mt_events WHERE stream_id LIKE '{prefix}-%' " +
            "AND user_name = 'actor-' || stream_id AND correlation_id = 'corr-' || stream_id")).ShouldBe(600);

        // One writer and 300 callers at once: some transactions must have carried several streams.
        var transactions = await fixture.ScalarAsync<long>($"SELECT count(DISTINCT tx_id) FROM governance.event_hashes WHERE stream_id LIKE '{prefix}-%'");
        transactions.ShouldBeLessThan(300);
        results.Select(r => r.Events[0].TxId).Distinct().Count().ShouldBe((int)transactions);
        (await s.Store.VerifyHashChainsAsync()).Verified.ShouldBeTrue();
    }

    [Fact]
    public async Task starting_a_stream_that_exists_fails_that_caller_alone()
    {
        await using var s = fixture.CreateStore(groupCommit: new GroupCommitOptions { Writers = 1 });
        var taken = TestEvents.NewStream();
        await s.Store.AppendAsync(taken, "thing", ExpectedVersion.NoStream, [new ThingCreated("first")], TestEvents.Meta);
        var fresh = Enumerable.Range(0, 40).Select(_ => TestEvents.NewStream()).ToList();

        var attempts = fresh.Select(stream => Task.Run(() => s.Store.StartStreamAsync(stream, "thing", [new ThingCreated("new")], TestEvents.Meta)))
            .Append(Task.Run(() => s.Store.StartStreamAsync(taken, "thing", [new ThingCreated("again")], TestEvents.Meta)))
            .ToList();
        await Task.WhenAll(attempts.Select(a => a.ContinueWith(_ => { }, TaskScheduler.Default)));

        var conflict = await Should.ThrowAsync<ConcurrencyException>(() => attempts[^1]);
        conflict.StreamId.ShouldBe(taken);
        conflict.Expected.ShouldBe(ExpectedVersion.NoStream);
        foreach (var (stream, attempt) in fresh.Zip(attempts))
        {
            (await attempt).VersionOf(stream).ShouldBe(1);
        }

        (await s.Store.ReadStreamAsync(taken)).Select(e => ((ThingCreated)e.Data).Name).ShouldBe(["first"]);
    }

    [Fact]
    public async Task an_inline_projection_refusing_one_new_stream_fails_that_caller_alone()
    {
        var table = $"governance.group_{Guid.NewGuid():N}";
        await fixture.ExecuteAsync($"CREATE TABLE {table} (stream_id text PRIMARY KEY, name text NOT NULL CHECK (name <> 'refused'))");
        var inline = new InlineCallback((context, events, _) =>
        {
            // Queued: a refusal surfaces at flush, before commit, and must still be pinned on the right caller.
            foreach (var @event in events.Where(e => e.Data is ThingCreated))
            {
                context.Enqueue($"INSERT INTO {table} VALUES ($1, $2)", @event.StreamId, ((ThingCreated)@event.Data).Name);
            }

            return Task.CompletedTask;
        });
        await using var s = fixture.CreateStore(inline: [inline], groupCommit: new GroupCommitOptions { Writers = 1 });
        var names = Enumerable.Range(0, 40).Select(i => i == 17 ? "refused" : $"ok-{i}").ToList();
        var streams = names.Select(_ => TestEvents.NewStream()).ToList();

        var attempts = streams.Zip(names, (stream, name) => Task.Run(() => s.Store.StartStreamAsync(stream, "thing", [new ThingCreated(name)], TestEvents.Meta))).ToList();
        await Task.WhenAll(attempts.Select(a => a.ContinueWith(_ => { }, TaskScheduler.Default)));

        await Should.ThrowAsync<Npgsql.PostgresException>(() => attempts[17]);
        (await s.Store.ReadStreamAsync(streams[17])).ShouldBeEmpty();
        for (var i = 0; i < streams.Count; i++)
        {
            if (i != 17)
            {
                (await attempts[i]).VersionOf(streams[i]).ShouldBe(1);
            }
        }

        (await fixture.ScalarAsync<long>($"SELECT count(*) FROM {table}")).ShouldBe(39);
    }

    [Fact]
    public async Task a_caller_who_stops_waiting_before_its_group_forms_leaves_nothing_behind()
    {
        await using var s = fixture.CreateStore();
        var stream = TestEvents.NewStream();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(() => s.Store.StartStreamAsync(stream, "thing", [new ThingCreated("late")], TestEvents.Meta, cancelled.Token));

        await Task.Delay(200);
        (await s.Store.ReadStreamAsync(stream)).ShouldBeEmpty();
        (await fixture.ScalarAsync<long>($"SELECT count(*) FROM governance.mt_streams WHERE id = '{stream}'")).ShouldBe(0);
    }
}
