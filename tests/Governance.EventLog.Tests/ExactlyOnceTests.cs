using System.Diagnostics;
using Governance.EventLog.Guarantees;
using Governance.EventLog.Tests.Infrastructure;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events;
using Marten.Events.Daemon;
using Marten.Events.Projections;
using Marten.Services;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace Governance.EventLog.Tests;

/// <summary>
/// Marten's async daemon, in the log's configuration, hands every committed event to a projection exactly once,
/// even when writers race, hold their transactions open past the stale-sequence threshold, or roll back after
/// drawing sequence numbers; and a projection rebuilt from scratch equals the one built incrementally.
/// </summary>
public sealed class ExactlyOnceTests(ExactlyOnceTests.Race race, Xunit.Abstractions.ITestOutputHelper output)
    : IClassFixture<ExactlyOnceTests.Race>
{
    [Fact]
    public async Task every_committed_event_is_projected_exactly_once_despite_slow_and_rolled_back_writers()
    {
        output.WriteLine(race.Summary);
        race.SlowTransactions.ShouldBeGreaterThan(10);
        race.RolledBack.ShouldBeGreaterThan(10);

        var log = race.Log;
        (await log.ScalarAsync<long>("SELECT count(*) FROM governance.mt_events WHERE type = 'tick'")).ShouldBe(race.CommittedTicks);
        (await log.ScalarAsync<long>(
            "SELECT count(*) FROM governance.mt_events e WHERE e.stream_id <> 'mt_tombstone' " +
            "AND NOT EXISTS (SELECT 1 FROM governance.seen s WHERE s.seq_id = e.seq_id)")).ShouldBe(0, "committed events never projected");
        (await log.ScalarAsync<long>(
            "SELECT count(*) FROM governance.seen s WHERE NOT EXISTS (SELECT 1 FROM governance.mt_events e WHERE e.seq_id = s.seq_id)"))
            .ShouldBe(0, "projected events that were never committed");
        race.Incremental.Where(r => r.SeenCount != 1).ShouldBeEmpty("events projected more than once");
        race.Incremental.Count.ShouldBe((int)(race.CommittedTicks + race.Streams));
        (await new HashChainVerifier(log.DataSource).VerifyAsync()).Broken.ShouldBeEmpty();
    }

    [Fact]
    public void a_projection_rebuilt_from_scratch_equals_the_incremental_one()
    {
        race.Rebuilt.Count.ShouldBeGreaterThan(0);
        race.Rebuilt.ShouldBe(race.Incremental);
    }

    public sealed record SeenRow(long Seq, string StreamId, long Version, int SeenCount);

    /// <summary>The race, run once for the class.</summary>
    public sealed class Race : IAsyncLifetime
    {
        private const int Writers = 32;
        private const int AppendsPerWriter = 20;
        private const int StreamsPerWriter = 5;

        public TestLog Log { get; private set; } = null!;

        public long CommittedTicks { get; private set; }

        public long Streams => Writers * StreamsPerWriter;

        public int SlowTransactions { get; private set; }

        public int RolledBack { get; private set; }

        public IReadOnlyList<SeenRow> Incremental { get; private set; } = [];

        public IReadOnlyList<SeenRow> Rebuilt { get; private set; } = [];

        public string Summary { get; private set; } = "";

        public async Task InitializeAsync()
        {
            Log = await TestLog.StartAsync(configureStore: opts =>
            {
                opts.Projections.Add<CountingProjection>(ProjectionLifecycle.Async);
                opts.Listeners.Add(new SlowBeforeCommit());
            });
            await Log.ExecuteAsync("""
                CREATE FUNCTION governance.test_delay() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF (NEW.data->>'sleep')::float > 0 AND NOT (NEW.data->>'sleepBeforeCommit')::boolean THEN
                        PERFORM pg_sleep((NEW.data->>'sleep')::float);
                    END IF;
                    IF (NEW.data->>'fail')::boolean THEN
                        RAISE EXCEPTION 'test rollback';
                    END IF;
                    RETURN NEW;
                END $$;
                CREATE TRIGGER test_delay BEFORE INSERT ON governance.mt_events FOR EACH ROW
                    WHEN (NEW.type = 'tick') EXECUTE FUNCTION governance.test_delay();
                """);

            for (var w = 0; w < Writers; w++)
            {
                await using var session = Log.Session();
                for (var s = 0; s < StreamsPerWriter; s++)
                {
                    session.Events.StartStream<Thing>($"w{w}-{s}", new ThingCreated($"w{w}-{s}"));
                }

                await session.SaveChangesAsync();
            }

            using var daemon = await Log.Store.BuildProjectionDaemonAsync();
            await daemon.StartAllAsync();
            var clock = Stopwatch.StartNew();
            long committed = 0;
            int slow = 0, failed = 0;
            await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
            {
                var random = new Random(w);
                for (var n = 0; n < AppendsPerWriter; n++)
                {
                    // Far past the stale-sequence threshold (100 ms), so the daemon sees these gaps as stale and must ask
                    // PostgreSQL whether they can still be filled rather than skip them.
                    var roll = random.NextDouble();
                    var sleep = roll < 0.06 ? 1.5 + (random.NextDouble() * 1.5) : roll < 0.25 ? random.NextDouble() * 0.2 : 0;
                    var fail = roll > 0.92;
                    var beforeCommit = random.Next(2) == 0;
                    var ticks = Enumerable.Range(0, 1 + random.Next(3))
                        .Select(i => (object)new Tick(w, n, i == 0 ? sleep : 0, beforeCommit, fail && i == 0))
                        .ToArray();
                    if (sleep >= 1)
                    {
                        Interlocked.Increment(ref slow);
                    }

                    await using var session = Log.Session();
                    session.Events.Append($"w{w}-{n % StreamsPerWriter}", ticks);
                    try
                    {
                        await session.SaveChangesAsync();
                        Interlocked.Add(ref committed, ticks.Length);
                    }
                    catch (Exception) when (fail)
                    {
                        Interlocked.Increment(ref failed);
                    }
                }
            })));
            var written = clock.Elapsed;
            await Log.Store.WaitForNonStaleProjectionDataAsync(TimeSpan.FromMinutes(2));
            var caughtUp = clock.Elapsed;
            Incremental = await SeenAsync();

            await daemon.RebuildProjectionAsync<CountingProjection>(TimeSpan.FromMinutes(2), CancellationToken.None);
            var rebuilt = clock.Elapsed;
            Rebuilt = await SeenAsync();
            await daemon.StopAllAsync();

            CommittedTicks = committed;
            SlowTransactions = slow;
            RolledBack = failed;
            var skips = await Log.ScalarAsync<long>("SELECT count(*) FROM governance.mt_high_water_skips");
            var tombstones = await Log.ScalarAsync<long>("SELECT count(*) FROM governance.mt_events WHERE stream_id = 'mt_tombstone'");
            Summary = $"{Writers} writers x {AppendsPerWriter} appends: {committed} ticks committed, {slow} transactions held >= 1.5 s, " +
                      $"{failed} rolled back; writers done at {written.TotalSeconds:F1} s, daemon caught up at {caughtUp.TotalSeconds:F1} s, " +
                      $"rebuild done at {rebuilt.TotalSeconds:F1} s; high-water skips recorded: {skips}, tombstones: {tombstones}";
        }

        private async Task<IReadOnlyList<SeenRow>> SeenAsync() =>
            (await Sql.RowsAsync(Log.ConnectionString, "SELECT seq_id, stream_id, version, seen_count FROM governance.seen ORDER BY seq_id"))
            .Select(r => new SeenRow((long)r[0]!, (string)r[1]!, (long)r[2]!, (int)r[3]!))
            .ToList();

        public async Task DisposeAsync() => await Log.DisposeAsync();
    }
}

/// <summary>Counts how often each event reaches it: a primary key on the sequence number and a counter on conflict.</summary>
public sealed partial class CountingProjection : EventProjection
{
    private const string Upsert =
        "INSERT INTO governance.seen (seq_id, stream_id, version, seen_count) VALUES (?, ?, ?, 1) " +
        "ON CONFLICT (seq_id) DO UPDATE SET seen_count = governance.seen.seen_count + 1";

    public CountingProjection()
    {
        var table = new Table(new PostgresqlObjectName("governance", "seen", SchemaUtils.IdentifierUsage.General));
        table.AddColumn<long>("seq_id").AsPrimaryKey();
        table.AddColumn<string>("stream_id").NotNull();
        table.AddColumn<long>("version").NotNull();
        table.AddColumn<int>("seen_count").NotNull();
        SchemaObjects.Add(table);
        Options.DeleteDataInTableOnTeardown(table.Identifier.QualifiedName);
    }

    public void Project(IEvent<Tick> e, IDocumentOperations ops) => ops.QueueSqlCommand(Upsert, e.Sequence, e.StreamKey!, e.Version);

    public void Project(IEvent<ThingCreated> e, IDocumentOperations ops) => ops.QueueSqlCommand(Upsert, e.Sequence, e.StreamKey!, e.Version);
}

/// <summary>Holds a commit before its transaction begins: the window in which Rich mode has already drawn its sequence numbers.</summary>
internal sealed class SlowBeforeCommit : DocumentSessionListenerBase
{
    public override async Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken token)
    {
        var sleep = session.PendingChanges.Streams().SelectMany(s => s.Events).Select(e => e.Data).OfType<Tick>()
            .Where(t => t.SleepBeforeCommit).Select(t => t.Sleep).DefaultIfEmpty(0).Max();
        if (sleep > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds(sleep), token);
        }
    }
}
