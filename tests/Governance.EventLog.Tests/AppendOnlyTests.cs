using Governance.EventLog.Guarantees;
using Governance.EventLog.Tests.Infrastructure;
using Npgsql;

namespace Governance.EventLog.Tests;

/// <summary>Stored events and their hashes cannot be changed or removed, whoever asks, except by archiving.</summary>
public sealed class AppendOnlyTests(LogFixture fixture) : IClassFixture<LogFixture>
{
    private readonly TestLog log = fixture.Log;

    private static string NewStream() => $"thing-{Guid.NewGuid():N}";

    private async Task<string> StreamWithTwoEventsAsync()
    {
        var id = NewStream();
        await log.StartStreamAsync(id, new ThingCreated("a"), new ThingRenamed("b"));
        return id;
    }

    private async Task<PostgresException> RejectedAsync(string sql) =>
        await Should.ThrowAsync<PostgresException>(() => log.ExecuteAsync(sql));

    [Fact]
    public async Task updating_a_stored_event_is_rejected()
    {
        var id = await StreamWithTwoEventsAsync();

        var rejected = await RejectedAsync($"UPDATE governance.mt_events SET data = '{{\"name\": \"forged\"}}' WHERE stream_id = '{id}'");

        rejected.SqlState.ShouldBe("42501");
        rejected.MessageText.ShouldBe("governance.mt_events is append-only: UPDATE is not allowed");
        (await log.ScalarAsync<string>($"SELECT data->>'name' FROM governance.mt_events WHERE stream_id = '{id}' AND version = 1")).ShouldBe("a");
    }

    [Fact]
    public async Task deleting_a_stored_event_is_rejected()
    {
        var id = await StreamWithTwoEventsAsync();

        var rejected = await RejectedAsync($"DELETE FROM governance.mt_events WHERE stream_id = '{id}'");

        rejected.MessageText.ShouldBe("governance.mt_events is append-only: DELETE is not allowed");
        (await log.ScalarAsync<long>($"SELECT count(*) FROM governance.mt_events WHERE stream_id = '{id}'")).ShouldBe(2);
    }

    [Fact]
    public async Task truncating_the_log_is_rejected_even_through_its_streams()
    {
        var id = await StreamWithTwoEventsAsync();

        (await RejectedAsync("TRUNCATE governance.mt_events")).MessageText.ShouldBe("governance.mt_events is append-only: TRUNCATE is not allowed");
        (await RejectedAsync("TRUNCATE governance.mt_streams CASCADE")).SqlState.ShouldBe("42501");
        await Should.ThrowAsync<Exception>(() => log.Store.Advanced.ResetAllData());
        (await log.ScalarAsync<long>($"SELECT count(*) FROM governance.mt_events WHERE stream_id = '{id}'")).ShouldBe(2);
    }

    [Fact]
    public async Task hard_deleting_a_stream_through_marten_is_rejected()
    {
        var id = await StreamWithTwoEventsAsync();
        await using var session = log.Session();
        session.Events.TombstoneStream(id);

        var rejected = await Should.ThrowAsync<Exception>(() => session.SaveChangesAsync());

        rejected.ToString().ShouldContain("append-only: DELETE is not allowed");
        (await log.ScalarAsync<long>($"SELECT count(*) FROM governance.mt_events WHERE stream_id = '{id}'")).ShouldBe(2);
    }

    [Fact]
    public async Task archiving_a_stream_is_allowed_and_its_chain_still_verifies()
    {
        var id = await StreamWithTwoEventsAsync();
        await using (var session = log.Session())
        {
            session.Events.ArchiveStream(id);
            await session.SaveChangesAsync();
        }

        (await log.ScalarAsync<long>($"SELECT count(*) FROM governance.mt_events WHERE stream_id = '{id}' AND is_archived")).ShouldBe(2);
        (await new HashChainVerifier(log.DataSource).VerifyAsync()).Broken.ShouldNotContain(b => b.StreamId == id);
    }

    [Fact]
    public async Task archiving_while_changing_anything_else_is_rejected()
    {
        var id = await StreamWithTwoEventsAsync();

        (await RejectedAsync($"UPDATE governance.mt_events SET is_archived = true, data = '{{}}' WHERE stream_id = '{id}'")).SqlState.ShouldBe("42501");
        (await RejectedAsync($"UPDATE governance.mt_events SET is_archived = true, user_name = 'mallory' WHERE stream_id = '{id}'")).SqlState.ShouldBe("42501");
    }

    [Fact]
    public async Task recorded_hashes_cannot_be_changed_or_removed()
    {
        var id = await StreamWithTwoEventsAsync();

        (await RejectedAsync($"UPDATE governance.event_hashes SET hash = '\\x00' WHERE stream_id = '{id}'")).MessageText
            .ShouldBe("governance.event_hashes is append-only: UPDATE is not allowed");
        (await RejectedAsync($"DELETE FROM governance.event_hashes WHERE stream_id = '{id}'")).SqlState.ShouldBe("42501");
        (await RejectedAsync("TRUNCATE governance.event_hashes")).SqlState.ShouldBe("42501");
        (await log.ScalarAsync<long>($"SELECT count(*) FROM governance.event_hashes WHERE stream_id = '{id}'")).ShouldBe(2);
    }

    [Fact]
    public async Task a_log_set_up_for_tests_can_be_emptied_with_its_hashes_and_used_again()
    {
        await using var emptiable = await TestLog.StartAsync(configureLog: o => o.AllowEmptyingForTests = true);
        await emptiable.StartStreamAsync("thing-again", new ThingCreated("a"), new ThingRenamed("b"));

        await emptiable.Store.Advanced.ResetAllData();

        (await emptiable.ScalarAsync<long>("SELECT count(*) FROM governance.mt_events")).ShouldBe(0);
        (await emptiable.ScalarAsync<long>("SELECT count(*) FROM governance.event_hashes")).ShouldBe(0);
        await emptiable.StartStreamAsync("thing-again", new ThingCreated("c"));
        (await Should.ThrowAsync<PostgresException>(() => emptiable.ExecuteAsync("DELETE FROM governance.mt_events"))).SqlState.ShouldBe("42501");
        var report = await new HashChainVerifier(emptiable.DataSource).VerifyAsync();
        report.ShouldBe(new HashChainReport(true, 1, 1, []), new ReportComparer());
    }
}

internal sealed class ReportComparer : IEqualityComparer<HashChainReport>
{
    public bool Equals(HashChainReport? x, HashChainReport? y) =>
        x is not null && y is not null && x.Verified == y.Verified && x.Streams == y.Streams && x.Events == y.Events &&
        x.Broken.SequenceEqual(y.Broken);

    public int GetHashCode(HashChainReport obj) => HashCode.Combine(obj.Verified, obj.Streams, obj.Events);
}
