using Governance.EventLog.Tests.Infrastructure;
using JasperFx;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodaTime;

namespace Governance.EventLog.Tests.Store;

/// <summary>
/// Async projections on Marten's daemon, configured as the service configures it: one node of several runs them
/// (HotCold) and another takes over, a rebuild equals incremental projection, and a poison event is dead-lettered
/// while the projection goes on (or, with skipping off, stops the projection there).
/// </summary>
public sealed class ProjectionDaemonTests
{
    // Marten names a projection after its full type name.
    private static readonly string Recording = typeof(RecordingProjection).FullName!;

    private static readonly string Names = typeof(ThingNames).FullName!;

    [Fact]
    public async Task with_two_daemons_on_one_database_one_runs_each_projection_and_the_other_takes_over_when_it_stops()
    {
        await using var d = await DaemonLog.StartAsync();
        using var nodeA = await StartNodeAsync(d.Log);
        var daemonA = Daemon(nodeA);
        await Eventually.TrueAsync(() => RunningAgents(daemonA).Contains($"{Recording}:All"), "node A runs the projection");
        using var nodeB = await StartNodeAsync(d.Log);
        var daemonB = Daemon(nodeB);

        var first = await AppendManyAsync(nodeA, d.Log, 20);
        await d.WaitForProjectionsAsync();
        RunningAgents(daemonA).ShouldBe([$"{Recording}:All"]);
        RunningAgents(daemonB).ShouldBeEmpty("node B stands by");

        await nodeA.StopAsync();
        RunningAgents(daemonA).ShouldBeEmpty();
        var second = await AppendManyAsync(nodeB, d.Log, 20);
        await Eventually.TrueAsync(() => RunningAgents(daemonB).Contains($"{Recording}:All"), "node B takes over");
        await d.WaitForProjectionsAsync();

        var projected = await d.RecordedAsync();
        projected.Select(p => p.Seq).ShouldBe(first.Concat(second));
        projected.ShouldAllBe(p => p.Applied == 1);
        await nodeB.StopAsync();
    }

    [Fact]
    public async Task a_daemon_whose_connection_is_killed_takes_its_projection_back_and_continues_without_duplicates()
    {
        await using var d = await DaemonLog.StartAsync();
        using var node = await StartNodeAsync(d.Log);
        var daemon = Daemon(node);
        await Eventually.TrueAsync(() => RunningAgents(daemon).Contains($"{Recording}:All"), "the node runs the projection");
        var first = await AppendManyAsync(node, d.Log, 10);
        await d.WaitForProjectionsAsync();

        // The session holding the node's advisory lock dies, as when a node loses its connection.
        var killed = await d.Log.ScalarAsync<long>(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory' " +
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
        killed.ShouldBeGreaterThanOrEqualTo(1);
        var second = await AppendManyAsync(node, d.Log, 10);
        await d.WaitForProjectionsAsync();

        RunningAgents(daemon).ShouldBe([$"{Recording}:All"]);
        (await d.RecordedAsync()).ShouldBe(first.Concat(second).Select(seq => (seq, 1)));
        await Eventually.TrueAsync(
            async () => await d.Log.ScalarAsync<long>(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())") >= 1,
            "the node holds its lock again");
        await node.StopAsync();
    }

    [Fact]
    public async Task a_rebuild_gives_the_same_read_model_as_incremental_projection()
    {
        await using var d = await DaemonLog.StartAsync(opts => opts.Projections.Add<ThingNames>(ProjectionLifecycle.Async));
        var daemon = await d.StartDaemonAsync();
        for (var thing = 0; thing < 5; thing++)
        {
            var stream = $"thing-{thing}";
            await d.Store.AppendAsync(stream, "thing", ExpectedVersion.NoStream, [new ThingCreated($"t{thing}")], TestEvents.Meta);
            for (var rename = 0; rename < thing; rename++)
            {
                await d.Store.AppendAsync(stream, "thing", ExpectedVersion.Exactly(rename + 1), [new ThingRenamed($"t{thing}r{rename}")], TestEvents.Meta);
            }
        }

        await d.WaitForProjectionsAsync();
        var incremental = await NamesAsync(d);
        incremental.Count.ShouldBe(5);
        incremental.ShouldContain("thing-4=t4r3/4@5");

        // Damage the read model: only a real clear-and-replay repairs it.
        await d.Log.ExecuteAsync($"UPDATE {ThingNames.Table} SET name = 'garbage'; INSERT INTO {ThingNames.Table} VALUES ('stray', 'x', 0, 1)");
        await daemon.RebuildProjectionAsync<ThingNames>(TimeSpan.FromMinutes(1), CancellationToken.None);
        await d.WaitForProjectionsAsync();

        (await NamesAsync(d)).ShouldBe(incremental);
        (await d.ProgressAsync(Names)).ShouldBe((await d.LoggedAsync()).Max());

        // Marten's rebuild leaves the projection stopped; started again, it goes on from where the rebuild ended.
        await daemon.StartAgentAsync($"{Names}:All", CancellationToken.None);
        await d.Store.AppendAsync("thing-0", "thing", ExpectedVersion.Exactly(1), [new ThingRenamed("t0r0")], TestEvents.Meta);
        await d.WaitForProjectionsAsync();
        (await NamesAsync(d)).ShouldBe(["thing-0=t0r0/1@2", .. incremental.Skip(1)]);
        (await d.ProgressAsync(Names)).ShouldBe((await d.LoggedAsync()).Max());
    }

    [Fact]
    public async Task a_poison_event_is_dead_lettered_and_the_projection_continues_past_it()
    {
        await using var d = await DaemonLog.StartAsync();

        // Written before the daemon starts, so they arrive in one batch and the poison must be isolated in it.
        var good = await d.AppendManyAsync(3);
        var poison = (await d.AppendManyAsync(1, "poison")).Single();
        good.AddRange(await d.AppendManyAsync(3));
        var daemon = await d.StartDaemonAsync();
        await d.WaitForProjectionsAsync();

        (await d.RecordedAsync()).ShouldBe(good.Select(seq => (seq, 1)));
        var deadLetters = await DeadLettersAsync(d, expected: 1);
        deadLetters.Count.ShouldBe(1);
        deadLetters[0].EventSequence.ShouldBe(poison);
        deadLetters[0].ProjectionName.ShouldBe(Recording);
        deadLetters[0].ExceptionType.ShouldContain(nameof(InvalidOperationException));
        deadLetters[0].ExceptionMessage.ShouldContain($"#{poison}");

        var later = await d.AppendManyAsync(2);
        await d.WaitForProjectionsAsync();
        (await d.RecordedAsync()).Select(p => p.Seq).ShouldBe(good.Concat(later));
        (await d.ProgressAsync(Recording)).ShouldBe(later[^1]);
        RunningAgents(daemon).ShouldBe([$"{Recording}:All"]);
    }

    [Fact]
    public async Task without_skipping_a_poison_event_stops_its_projection()
    {
        await using var d = await DaemonLog.StartAsync(opts => opts.Projections.Errors.SkipApplyErrors = false);
        var daemon = await d.StartDaemonAsync();
        var good = await d.AppendManyAsync(2);
        await d.WaitForProjectionsAsync();

        await d.AppendManyAsync(1, "poison");
        await d.AppendManyAsync(2);

        await Should.ThrowAsync<TimeoutException>(() => d.WaitForProjectionsAsync(seconds: 5));
        daemon.HasAnyPaused().ShouldBeTrue();
        daemon.CurrentAgents().Single(a => a.Name.Identity == $"{Recording}:All").Status.ShouldBe(AgentStatus.Paused);
        (await d.RecordedAsync()).Select(p => p.Seq).ShouldBe(good);
        (await d.ProgressAsync(Recording)).ShouldBe(good[^1]);
        (await DeadLettersAsync(d, expected: 0)).ShouldBeEmpty();
    }

    private static IProjectionDaemon Daemon(IHost node) =>
        node.Services.GetRequiredService<Marten.Events.Daemon.Coordination.IProjectionCoordinator>().DaemonForMainDatabase();

    private static List<string> RunningAgents(IProjectionDaemon daemon) =>
        [.. daemon.CurrentAgents().Where(a => a.Status == AgentStatus.Running).Select(a => a.Name.Identity)];

    /// <summary>A node of the service as far as the daemon goes: Marten configured as the log, the daemon in HotCold mode.</summary>
    private static async Task<IHost> StartNodeAsync(TestLog log)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(_ => EventLogStore.CreateDataSource(log.Options));
        builder.Services.AddMarten(sp =>
        {
            var opts = new StoreOptions();
            EventLogStore.Configure(opts, log.Options, sp.GetRequiredService<Npgsql.NpgsqlDataSource>(), SystemClock.Instance);
            opts.Projections.Add<RecordingProjection>(ProjectionLifecycle.Async);
            opts.Projections.LeadershipPollingTime = 200;
            return opts;
        }).AddAsyncDaemon(DaemonMode.HotCold);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static async Task<List<long>> AppendManyAsync(IHost node, TestLog log, int count)
    {
        await using var store = new MartenEventStore(
            node.Services.GetRequiredService<IDocumentStore>(), node.Services.GetRequiredService<Npgsql.NpgsqlDataSource>(), log.Options.Registry, []);
        var seqs = new List<long>();
        for (var i = 0; i < count; i++)
        {
            seqs.AddRange((await store.AppendAsync($"thing-{i % 3}", "thing", ExpectedVersion.Any, [new ThingCreated("x")], TestEvents.Meta)).Events.Select(e => e.Seq));
        }

        return seqs;
    }

    private static async Task<List<string>> NamesAsync(DaemonLog d) =>
        (await Sql.RowsAsync(d.ConnectionString,
            $"SELECT stream_id || '=' || name || '/' || renames || '@' || version FROM {ThingNames.Table} ORDER BY stream_id"))
        .Select(r => (string)r[0]!)
        .ToList();

    // The daemon records dead letters in the background: wait for the expected number, then a little longer for any more.
    private static async Task<List<DeadLetterEvent>> DeadLettersAsync(DaemonLog d, int expected)
    {
        async Task<List<DeadLetterEvent>> QueryAsync()
        {
            await using var query = d.Log.Store.QuerySession();
            return [.. await query.Query<DeadLetterEvent>().ToListAsync()];
        }

        await Eventually.TrueAsync(async () => (await QueryAsync()).Count >= expected, $"{expected} dead letters are recorded");
        await Task.Delay(500);
        return await QueryAsync();
    }
}
