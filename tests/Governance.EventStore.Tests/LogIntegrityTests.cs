using Governance.EventStore.Tests.Infrastructure;
using Npgsql;

namespace Governance.EventStore.Tests;

public sealed class LogIntegrityTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static async Task<string> SomeStreamsAsync(TestStore s, int streams = 3)
    {
        var first = "";
        for (var i = 0; i < streams; i++)
        {
            var stream = TestEvents.NewStream();
            first = i == 0 ? stream : first;
            await s.Store.AppendAsync(stream, "thing", ExpectedVersion.NoStream, [new ThingCreated($"t{i}"), new ThingRenamed("r1")], TestEvents.Meta);
            await s.Store.AppendAsync(stream, "thing", ExpectedVersion.Exactly(2), [new ThingRenamed("r2")], TestEvents.Meta);
        }

        return first;
    }

    [Theory]
    [InlineData("UPDATE governance.events SET data = '{}'")]
    [InlineData("DELETE FROM governance.events")]
    [InlineData("TRUNCATE governance.events")]
    public async Task changing_or_removing_logged_events_fails(string sql)
    {
        await using var s = fixture.CreateStore();
        await SomeStreamsAsync(s, 1);
        var before = await fixture.ScalarAsync<long>("SELECT count(*) FROM governance.events");

        var error = await Should.ThrowAsync<PostgresException>(() => fixture.ExecuteAsync(sql));

        error.SqlState.ShouldBe(PostgresErrorCodes.InsufficientPrivilege);
        error.MessageText.ShouldContain("append-only");
        (await fixture.ScalarAsync<long>("SELECT count(*) FROM governance.events")).ShouldBe(before);
    }

    [Fact]
    public async Task an_untouched_log_verifies()
    {
        var database = await fixture.CreateDatabaseAsync();
        await using var s = fixture.CreateStore(connectionString: database);
        await SomeStreamsAsync(s);

        var report = await s.Store.VerifyHashChainsAsync();

        report.Verified.ShouldBeTrue();
        report.Broken.ShouldBeEmpty();
        report.Streams.ShouldBe(3);
        report.Events.ShouldBe(9);
    }

    [Fact]
    public async Task tampering_with_an_event_is_found_by_verifying_the_hash_chains()
    {
        var database = await fixture.CreateDatabaseAsync();
        await using var s = fixture.CreateStore(connectionString: database);
        var victim = await SomeStreamsAsync(s);

        // A superuser can get past the trigger, but not past the chain.
        await StoreFixture.ExecuteAsync(database, $$"""
            ALTER TABLE governance.events DISABLE TRIGGER events_append_only;
            UPDATE governance.events SET data = '{"name": "forged"}' WHERE stream_id = '{{victim}}' AND version = 2;
            ALTER TABLE governance.events ENABLE TRIGGER events_append_only;
            """);

        var report = await s.Store.VerifyHashChainsAsync();

        report.Verified.ShouldBeFalse();
        report.Broken.Select(b => (b.StreamId, b.Version)).ShouldBe([(victim, 2L)]);
        report.Broken[0].Reason.ShouldContain("hash");
        (await fixture.ScalarAsync<long>("SELECT count(*) FROM governance.events WHERE data ->> 'name' = 'forged'")).ShouldBe(0, "other databases are untouched");
    }

    [Fact]
    public async Task deleting_an_event_is_found_by_verifying_the_hash_chains()
    {
        var database = await fixture.CreateDatabaseAsync();
        await using var s = fixture.CreateStore(connectionString: database);
        var victim = await SomeStreamsAsync(s);

        await StoreFixture.ExecuteAsync(database, $"""
            ALTER TABLE governance.events DISABLE TRIGGER events_append_only;
            DELETE FROM governance.events WHERE stream_id = '{victim}' AND version = 3;
            ALTER TABLE governance.events ENABLE TRIGGER events_append_only;
            """);

        var report = await s.Store.VerifyHashChainsAsync();

        report.Verified.ShouldBeFalse();
        report.Broken.ShouldContain(b => b.StreamId == victim && b.Reason.Contains("head"));
    }

    [Fact]
    public async Task each_events_hash_chains_to_its_predecessor_in_the_stream()
    {
        await using var s = fixture.CreateStore();
        var stream = await SomeStreamsAsync(s, 1);

        var events = await s.Store.ReadStreamAsync(stream);

        events.Select(e => Convert.ToHexString(e.Hash)).Distinct().Count().ShouldBe(3);
        events.ShouldAllBe(e => e.Hash.Length == 32);
        var head = await fixture.ScalarAsync<byte[]>($"SELECT last_hash FROM governance.streams WHERE id = '{stream}'");
        head.ShouldBe(events[^1].Hash);
    }
}
