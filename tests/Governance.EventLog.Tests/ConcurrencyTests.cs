using Governance.EventLog.Tests.Infrastructure;
using Marten;
using Marten.Exceptions;

namespace Governance.EventLog.Tests;

/// <summary>Expected versions, lost races and stream existence, as Marten reports them in this configuration.</summary>
public sealed class ConcurrencyTests(LogFixture fixture) : IClassFixture<LogFixture>
{
    private readonly TestLog log = fixture.Log;

    private static string NewStream() => $"thing-{Guid.NewGuid():N}";

    [Fact]
    public async Task appending_at_a_stale_expected_version_is_a_concurrency_error_and_writes_nothing()
    {
        var id = NewStream();
        await log.StartStreamAsync(id, new ThingCreated("a"));
        await log.AppendAsync(id, new ThingRenamed("b"));

        await Should.ThrowAsync<JasperFx.ConcurrencyException>(async () =>
        {
            await using var session = log.Session();
            var stream = await session.Events.FetchForWriting<Thing>(id, 1);
            stream.AppendOne(new ThingRenamed("stale"));
            await session.SaveChangesAsync();
        });

        (await log.ScalarAsync<long>($"SELECT max(version) FROM governance.mt_events WHERE stream_id = '{id}'")).ShouldBe(2);
    }

    [Fact]
    public async Task appending_at_the_current_version_succeeds()
    {
        var id = NewStream();
        await log.StartStreamAsync(id, new ThingCreated("a"));

        await using (var session = log.Session())
        {
            var stream = await session.Events.FetchForWriting<Thing>(id, 1);
            stream.AppendOne(new ThingRenamed("b"));
            await session.SaveChangesAsync();
        }

        await using var query = log.Store.QuerySession();
        (await query.Events.FetchStreamStateAsync(id))!.Version.ShouldBe(2);
    }

    [Fact]
    public async Task a_lost_race_is_a_concurrency_error_that_burns_no_sequence_number()
    {
        var outcome = await RaceAsync(log);

        outcome.Loser.ShouldBeAssignableTo<JasperFx.ConcurrencyException>();
        outcome.BurntSequenceNumbers.ShouldBe(0);
        outcome.Versions.ShouldBe([1L, 2L]);
    }

    [Fact]
    public async Task without_the_exclusive_append_lock_the_same_race_burns_a_sequence_number()
    {
        // Why the log insists on the lock: each burnt number is a gap the async daemon must wait out.
        await using var unlocked = await TestLog.StartAsync(configureStore: o => o.Events.UseExclusiveLockOnConcurrentAppends = false);

        var outcome = await RaceAsync(unlocked);

        outcome.Loser.ShouldBeAssignableTo<JasperFx.ConcurrencyException>();
        outcome.BurntSequenceNumbers.ShouldBe(1);
        outcome.Versions.ShouldBe([1L, 2L]);
    }

    [Fact]
    public async Task starting_a_stream_that_exists_is_refused()
    {
        var id = NewStream();
        await log.StartStreamAsync(id, new ThingCreated("a"));

        await Should.ThrowAsync<ExistingStreamIdCollisionException>(() => log.StartStreamAsync(id, new ThingCreated("again")));

        (await log.ScalarAsync<long>($"SELECT count(*) FROM governance.mt_events WHERE stream_id = '{id}'")).ShouldBe(1);
    }

    [Fact]
    public async Task appending_to_a_stream_that_does_not_exist_is_refused()
    {
        var id = NewStream();

        await Should.ThrowAsync<NonExistentStreamException>(() => log.AppendAsync(id, new ThingRenamed("orphan")));

        (await log.ScalarAsync<long>($"SELECT count(*) FROM governance.mt_events WHERE stream_id = '{id}'")).ShouldBe(0);
    }

    private sealed record RaceOutcome(Exception Loser, long BurntSequenceNumbers, IReadOnlyList<long> Versions);

    /// <summary>
    /// Two writers read version 1 of one stream and append on top of it; the first one's insert is held for a
    /// second (test-only trigger) while the second one commits. Exactly one of them must lose.
    /// </summary>
    private static async Task<RaceOutcome> RaceAsync(TestLog target)
    {
        await target.ExecuteAsync("""
            CREATE OR REPLACE FUNCTION governance.test_slow_append() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.data->>'name' = 'slow' THEN PERFORM pg_sleep(1); END IF;
                RETURN NEW;
            END $$;
            DROP TRIGGER IF EXISTS test_slow_append ON governance.mt_events;
            CREATE TRIGGER test_slow_append BEFORE INSERT ON governance.mt_events FOR EACH ROW EXECUTE FUNCTION governance.test_slow_append();
            """);
        var id = NewStream();
        await target.StartStreamAsync(id, new ThingCreated("a"));
        var burntBefore = await BurntAsync(target);

        await using var winner = target.Session();
        await using var loser = target.Session();
        (await winner.Events.FetchForWriting<Thing>(id)).AppendOne(new ThingRenamed("slow"));
        (await loser.Events.FetchForWriting<Thing>(id)).AppendOne(new ThingRenamed("fast"));
        var first = Record.ExceptionAsync(() => winner.SaveChangesAsync());
        await Task.Delay(300);
        var second = Record.ExceptionAsync(() => loser.SaveChangesAsync());
        var failures = (await Task.WhenAll(first, second)).OfType<Exception>().ToList();
        failures.Count.ShouldBe(1);
        await target.ExecuteAsync("DROP TRIGGER test_slow_append ON governance.mt_events");

        var burnt = await BurntAsync(target) - burntBefore;
        var versions = (await Sql.RowsAsync(target.ConnectionString, $"SELECT version FROM governance.mt_events WHERE stream_id = '{id}' ORDER BY version"))
            .Select(r => (long)r[0]!).ToList();
        return new RaceOutcome(failures[0], burnt, versions);
    }

    // Numbers drawn that hold no event of any stream: dead gaps, or tombstones Marten wrote to fill them.
    private static Task<long> BurntAsync(TestLog target) => target.ScalarAsync<long>(
        "SELECT (SELECT last_value FROM governance.mt_events_sequence) - " +
        "(SELECT count(*) FROM governance.mt_events WHERE stream_id <> 'mt_tombstone')");
}
