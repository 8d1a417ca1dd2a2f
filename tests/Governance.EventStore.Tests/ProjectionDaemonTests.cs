using Governance.EventStore.Projections;
using Governance.EventStore.Tests.Infrastructure;
using Npgsql;

namespace Governance.EventStore.Tests;

public sealed class ProjectionDaemonTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static string Prefix() => $"d{Guid.NewGuid():N}"[..12] + "-";

    private async Task<SeqRecorder> RecorderAsync(Func<StoredEvent, bool>? poison = null)
    {
        var prefix = Prefix();
        var recorder = new SeqRecorder("rec_" + prefix.TrimEnd('-'), prefix, poison);
        await fixture.ExecuteAsync(recorder.CreateTableSql);
        return recorder;
    }

    private async Task<List<(long Seq, int Applied)>> ProjectedAsync(SeqRecorder recorder)
    {
        await using var connection = new NpgsqlConnection(fixture.ConnectionString);
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

    private async Task<List<string>> NamesAsync(ThingNames names)
    {
        await using var connection = new NpgsqlConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand($"SELECT stream_id || '=' || name || '/' || renames || '@' || version FROM {names.Table} ORDER BY stream_id", connection);
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }

    private static async Task<List<long>> AppendManyAsync(TestStore s, string prefix, int count, string name = "x")
    {
        var seqs = new List<long>();
        for (var i = 0; i < count; i++)
        {
            seqs.AddRange((await s.Store.AppendAsync($"{prefix}{i % 3}", "thing", ExpectedVersion.Any, [new ThingCreated(name)], TestEvents.Meta)).Events.Select(e => e.Seq));
        }

        return seqs;
    }

    [Fact]
    public async Task with_two_daemons_on_one_database_one_runs_each_projection_and_the_other_takes_over_when_it_stops()
    {
        var recorder = await RecorderAsync();
        await using var nodeA = fixture.CreateStore();
        await using var nodeB = fixture.CreateStore();
        var daemonA = await nodeA.StartDaemonAsync(recorder);
        await Eventually.TrueAsync(() => daemonA.States[recorder.Name] == ProjectionRunState.Running, "node A runs the projection");
        var daemonB = await nodeB.StartDaemonAsync(recorder);
        await Eventually.TrueAsync(() => daemonB.States[recorder.Name] == ProjectionRunState.Standby, "node B stands by");

        var first = await AppendManyAsync(nodeA, recorder.StreamPrefix, 20);
        await nodeA.WaitForProjectionsAsync(recorder.Name);
        daemonB.States[recorder.Name].ShouldBe(ProjectionRunState.Standby);
        daemonA.States[recorder.Name].ShouldBe(ProjectionRunState.Running);

        await daemonA.StopAsync(CancellationToken.None);
        daemonA.States[recorder.Name].ShouldBe(ProjectionRunState.Stopped);
        var second = await AppendManyAsync(nodeB, recorder.StreamPrefix, 20);
        await Eventually.TrueAsync(() => daemonB.States[recorder.Name] == ProjectionRunState.Running, "node B takes over");
        await nodeB.WaitForProjectionsAsync(recorder.Name);

        var projected = await ProjectedAsync(recorder);
        projected.Select(p => p.Seq).ShouldBe(first.Concat(second));
        projected.ShouldAllBe(p => p.Applied == 1);
    }

    [Fact]
    public async Task a_daemon_whose_connection_is_killed_takes_its_projection_back_and_continues_without_duplicates()
    {
        var database = await fixture.CreateDatabaseAsync();
        var prefix = Prefix();
        var recorder = new SeqRecorder("rec_" + prefix.TrimEnd('-'), prefix);
        await StoreFixture.ExecuteAsync(database, recorder.CreateTableSql);
        await using var s = fixture.CreateStore(connectionString: database);
        var daemon = await s.StartDaemonAsync(recorder);
        var first = await AppendManyAsync(s, prefix, 10);
        await s.WaitForProjectionsAsync(recorder.Name);

        // The session holding the projection's advisory lock dies, as when a node loses its connection.
        var killed = await StoreFixture.ScalarAsync<long>(database,
            "SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory' " +
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
        killed.ShouldBe(1);
        var second = await AppendManyAsync(s, prefix, 10);
        await s.WaitForProjectionsAsync(recorder.Name);

        daemon.States[recorder.Name].ShouldBe(ProjectionRunState.Running);
        var rows = await StoreFixture.ScalarAsync<string>(database, $"SELECT string_agg(seq || ':' || applied, ',' ORDER BY seq) FROM {recorder.Table}");
        rows.ShouldBe(string.Join(',', first.Concat(second).Select(seq => $"{seq}:1")));
    }

    [Fact]
    public async Task a_rebuild_gives_the_same_read_model_as_incremental_projection()
    {
        var prefix = Prefix();
        var names = new ThingNames("names_" + prefix.TrimEnd('-'), prefix);
        await fixture.ExecuteAsync(names.CreateTableSql);
        await using var s = fixture.CreateStore();
        await s.StartDaemonAsync(names);
        for (var thing = 0; thing < 5; thing++)
        {
            var stream = $"{prefix}{thing}";
            await s.Store.AppendAsync(stream, "thing", ExpectedVersion.NoStream, [new ThingCreated($"t{thing}")], TestEvents.Meta);
            for (var rename = 0; rename < thing; rename++)
            {
                await s.Store.AppendAsync(stream, "thing", ExpectedVersion.Exactly(rename + 1), [new ThingRenamed($"t{thing}r{rename}")], TestEvents.Meta);
            }
        }

        await s.WaitForProjectionsAsync(names.Name);
        var incremental = await NamesAsync(names);
        incremental.Count.ShouldBe(5);
        incremental.ShouldContain($"{prefix}4=t4r3/4@5");

        // Damage the read model: only a real clear-and-replay repairs it.
        await fixture.ExecuteAsync($"UPDATE {names.Table} SET name = 'garbage'; INSERT INTO {names.Table} VALUES ('stray', 'x', 0, 1)");
        await s.Monitor.RequestRebuildAsync(names.Name);
        await s.WaitForProjectionsAsync(names.Name);

        (await NamesAsync(names)).ShouldBe(incremental);
        (await s.Monitor.CheckpointsAsync()).Single(c => c.Name == names.Name).State.ShouldBe("running");
    }

    [Fact]
    public async Task a_poison_event_is_dead_lettered_and_the_projection_continues_past_it()
    {
        var recorder = await RecorderAsync(poison: e => e.Data is ThingCreated { Name: "poison" });
        await using var s = fixture.CreateStore();

        // Written before the daemon starts, so they arrive in one batch and the poison must be isolated in it.
        var good = await AppendManyAsync(s, recorder.StreamPrefix, 3);
        var poison = (await AppendManyAsync(s, recorder.StreamPrefix, 1, "poison")).Single();
        good.AddRange(await AppendManyAsync(s, recorder.StreamPrefix, 3));
        await s.StartDaemonAsync(recorder);
        await s.WaitForProjectionsAsync(recorder.Name);

        var deadLetters = await s.Monitor.DeadLettersAsync(recorder.Name);
        deadLetters.Count.ShouldBe(1);
        deadLetters[0].Seq.ShouldBe(poison);
        deadLetters[0].Attempts.ShouldBe(s.Options.MaxAttempts);
        deadLetters[0].Error.ShouldContain("poison event");
        (await ProjectedAsync(recorder)).ShouldBe(good.Select(seq => (seq, 1)));

        var later = await AppendManyAsync(s, recorder.StreamPrefix, 2);
        await s.WaitForProjectionsAsync(recorder.Name);
        (await ProjectedAsync(recorder)).Select(p => p.Seq).ShouldBe(good.Concat(later));
        (await s.Monitor.CheckpointsAsync()).Single(c => c.Name == recorder.Name).LastError.ShouldNotBeNull().ShouldContain("poison");
    }

    [Fact]
    public async Task without_dead_lettering_a_poison_event_stops_its_projection()
    {
        var recorder = await RecorderAsync(poison: e => e.Data is ThingCreated { Name: "poison" });
        await using var s = fixture.CreateStore(configure: o => o.DeadLetterPoisonEvents = false);
        var good = await AppendManyAsync(s, recorder.StreamPrefix, 2);
        await AppendManyAsync(s, recorder.StreamPrefix, 1, "poison");
        var daemon = await s.StartDaemonAsync(recorder);

        var failure = await Should.ThrowAsync<InvalidOperationException>(() => s.WaitForProjectionsAsync(recorder.Name));

        failure.Message.ShouldContain("poison");
        daemon.States[recorder.Name].ShouldBe(ProjectionRunState.Failed);
        (await ProjectedAsync(recorder)).Select(p => p.Seq).ShouldBe(good);
        (await s.Monitor.DeadLettersAsync(recorder.Name)).ShouldBeEmpty();
    }
}
