using Governance.EventStore.Tests.Infrastructure;
using Npgsql;

namespace Governance.EventStore.Tests;

public sealed class NoSkippedEventsTests(StoreFixture fixture, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<StoreFixture>
{
    private static string Prefix() => $"p{Guid.NewGuid():N}"[..12] + "-";

    private async Task<SeqRecorder> RecorderAsync(string connectionString, Func<StoredEvent, bool>? poison = null)
    {
        var prefix = Prefix();
        var recorder = new SeqRecorder("rec_" + prefix.TrimEnd('-'), prefix, poison);
        await StoreFixture.ExecuteAsync(connectionString, recorder.CreateTableSql);
        return recorder;
    }

    private static async Task<List<(long Seq, int Applied)>> ProjectedAsync(string connectionString, SeqRecorder recorder)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand($"SELECT seq, applied FROM {recorder.Table} ORDER BY seq", connection);
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = new List<(long, int)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetInt64(0), reader.GetInt32(1)));
        }

        return rows;
    }

    private static async Task<List<long>> LoggedSeqsAsync(string connectionString, string prefix)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT seq FROM governance.events WHERE stream_id LIKE $1 ORDER BY seq", connection);
        cmd.Parameters.AddWithValue(prefix + "%");
        await using var reader = await cmd.ExecuteReaderAsync();
        var seqs = new List<long>();
        while (await reader.ReadAsync())
        {
            seqs.Add(reader.GetInt64(0));
        }

        return seqs;
    }

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
        await using var s = fixture.CreateStore(inline: [slowInline]);
        var recorder = await RecorderAsync(fixture.ConnectionString);
        await s.StartDaemonAsync(recorder);

        var slow = s.Store.AppendAsync(recorder.StreamPrefix + "slow", "thing", ExpectedVersion.NoStream, [new ThingCreated("slow")], TestEvents.Meta);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var fast = new List<StoredEvent>();
        for (var i = 0; i < 10; i++)
        {
            fast.AddRange((await s.Store.AppendAsync(recorder.StreamPrefix + i, "thing", ExpectedVersion.NoStream, [new ThingCreated("fast")], TestEvents.Meta)).Events);
        }

        // Several polls later, the daemon still has not moved past the open transaction.
        await Task.Delay(400);
        (await ProjectedAsync(fixture.ConnectionString, recorder)).ShouldBeEmpty();

        release.SetResult();
        var slowEvent = (await slow).Events.Single();
        slowEvent.Seq.ShouldBeLessThan(fast.Min(e => e.Seq));
        await s.WaitForProjectionsAsync(recorder.Name);

        var projected = await ProjectedAsync(fixture.ConnectionString, recorder);
        projected.Select(p => p.Seq).ShouldBe(fast.Select(e => e.Seq).Append(slowEvent.Seq).Order());
        projected.ShouldAllBe(p => p.Applied == 1);
    }

    [Fact]
    public async Task a_rolled_back_append_leaves_a_gap_that_does_not_stall_the_daemon()
    {
        await using var s = fixture.CreateStore();
        var recorder = await RecorderAsync(fixture.ConnectionString);
        await s.StartDaemonAsync(recorder);
        await s.Store.AppendAsync(recorder.StreamPrefix + "before", "thing", ExpectedVersion.NoStream, [new ThingCreated("a")], TestEvents.Meta);

        long lostSeq;
        await using (var connection = await s.DataSource.OpenConnectionAsync())
        await using (var tx = await connection.BeginTransactionAsync())
        {
            await using var insert = new NpgsqlCommand(
                "INSERT INTO governance.events (id, stream_id, stream_type, version, type, data, metadata) " +
                "VALUES (gen_random_uuid(), $1, 'thing', 1, 'thing_created', '{\"name\":\"lost\"}', '{\"actor\":\"x\"}') RETURNING seq",
                connection, tx);
            insert.Parameters.AddWithValue(recorder.StreamPrefix + "lost");
            lostSeq = (long)(await insert.ExecuteScalarAsync())!;
            await tx.RollbackAsync();
        }

        for (var i = 0; i < 5; i++)
        {
            await s.Store.AppendAsync(recorder.StreamPrefix + "after", "thing", ExpectedVersion.Any, [new ThingRenamed($"n{i}")], TestEvents.Meta);
        }

        await s.WaitForProjectionsAsync(recorder.Name);

        var logged = await LoggedSeqsAsync(fixture.ConnectionString, recorder.StreamPrefix);
        logged.Count.ShouldBe(6);
        logged.ShouldNotContain(lostSeq);
        logged.ShouldContain(seq => seq > lostSeq);
        (await ProjectedAsync(fixture.ConnectionString, recorder)).Select(p => p.Seq).ShouldBe(logged);
    }

    [Fact]
    public async Task sixteen_writers_with_random_delays_have_every_event_projected_exactly_once()
    {
        const int writers = 16;
        const int perWriter = 2_000;

        // Random pauses inside the append transaction make commit order differ from seq order.
        var jitter = new InlineCallback(async (_, _, ct) =>
        {
            if (Random.Shared.Next(8) == 0)
            {
                await Task.Delay(Random.Shared.Next(1, 3), ct);
            }
        });
        var database = await fixture.CreateDatabaseAsync();
        await using var s = fixture.CreateStore(inline: [jitter], connectionString: database,
            configure: o => o.DaemonBatchSize = 500);
        var recorder = await RecorderAsync(database);
        await s.StartDaemonAsync(recorder);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(1, writers).Select(writer => Task.Run(async () =>
        {
            var stream = $"{recorder.StreamPrefix}{writer}";
            var version = 0;
            while (version < perWriter)
            {
                // Appends of one to four events, so that there are many transactions of different sizes.
                var count = Math.Min(Random.Shared.Next(1, 5), perWriter - version);
                var events = Enumerable.Range(version + 1, count).Select(n => (object)new Counted(writer, n)).ToList();
                var expected = version == 0 ? ExpectedVersion.NoStream : ExpectedVersion.Exactly(version);
                version = (int)(await s.Store.AppendAsync(stream, "counter", expected, events, TestEvents.Meta)).VersionOf(stream);
            }
        })));

        output.WriteLine($"appended in {clock.ElapsedMilliseconds} ms");
        await s.WaitForProjectionsAsync(recorder.Name);
        output.WriteLine($"projected in {clock.ElapsedMilliseconds} ms");

        var logged = await LoggedSeqsAsync(database, recorder.StreamPrefix);
        logged.Count.ShouldBe(writers * perWriter);
        var projected = await ProjectedAsync(database, recorder);
        projected.Count.ShouldBe(writers * perWriter);
        projected.Where(p => p.Applied != 1).ShouldBeEmpty();
        projected.Select(p => p.Seq).ShouldBe(logged);
    }
}
