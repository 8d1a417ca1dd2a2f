using System.Security.Cryptography;
using System.Text;
using Governance.EventLog.Guarantees;
using Governance.EventLog.Tests.Infrastructure;
using Marten;

namespace Governance.EventLog.Tests;

/// <summary>Every stream is a hash chain computed by the database, and verification names each stream that breaks.</summary>
public sealed class HashChainTests(LogFixture fixture) : IClassFixture<LogFixture>
{
    private readonly TestLog log = fixture.Log;

    private HashChainVerifier Verifier => new(log.DataSource);

    private static string NewStream() => $"thing-{Guid.NewGuid():N}";

    private async Task<string> StreamAsync(int renames)
    {
        var id = NewStream();
        await log.StartStreamAsync(id, new ThingCreated("a"));
        for (var i = 0; i < renames; i++)
        {
            await log.AppendAsync(id, new ThingRenamed($"r{i}"));
        }

        return id;
    }

    [Fact]
    public async Task the_database_chains_each_event_to_its_predecessor()
    {
        var id = await StreamAsync(renames: 2);

        // Recomputed here from the stored columns, independently of the SQL the trigger and the verifier share.
        var rows = await Sql.RowsAsync(log.ConnectionString, $"""
            SELECT e.id::text, e.stream_id, e.version::text, e.type, e.data::text, coalesce(e.correlation_id, ''),
                   coalesce(e.causation_id, ''), coalesce(e.user_name, ''), coalesce(e.headers::text, ''), e.timestamp, h.hash
            FROM governance.mt_events e JOIN governance.event_hashes h ON h.seq_id = e.seq_id
            WHERE e.stream_id = '{id}' ORDER BY e.version
            """);
        rows.Count.ShouldBe(3);
        var previous = Array.Empty<byte>();
        foreach (var row in rows)
        {
            var time = ((DateTime)row[9]!).ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
            var canonical = string.Join('\u001f', row.Take(9).Cast<string>().Append(time));
            var expected = SHA256.HashData([.. previous, .. Encoding.UTF8.GetBytes(canonical)]);
            ((byte[])row[10]!).ShouldBe(expected);
            previous = expected;
        }
    }

    [Fact]
    public async Task a_superuser_who_disables_the_guard_and_edits_an_event_is_caught_naming_the_stream()
    {
        var untouched = await StreamAsync(renames: 2);
        var edited = await StreamAsync(renames: 2);

        await log.ExecuteAsync($$"""
            ALTER TABLE governance.mt_events DISABLE TRIGGER log_no_update;
            UPDATE governance.mt_events SET data = '{"name": "forged"}' WHERE stream_id = '{{edited}}' AND version = 2;
            ALTER TABLE governance.mt_events ENABLE TRIGGER log_no_update;
            """);
        var report = await Verifier.VerifyAsync();

        report.Verified.ShouldBeFalse();
        var broken = report.Broken.Single(b => b.StreamId == edited);
        broken.Version.ShouldBe(2);
        broken.Reason.ShouldBe("hash does not match the event and its predecessor");
        report.Broken.ShouldNotContain(b => b.StreamId == untouched);
    }

    [Fact]
    public async Task an_event_deleted_behind_the_guard_is_caught()
    {
        var id = await StreamAsync(renames: 2);

        await log.ExecuteAsync($"""
            ALTER TABLE governance.mt_events DISABLE TRIGGER log_no_delete;
            DELETE FROM governance.mt_events WHERE stream_id = '{id}' AND version = 2;
            ALTER TABLE governance.mt_events ENABLE TRIGGER log_no_delete;
            """);
        var report = await Verifier.VerifyAsync();

        report.Broken.Single(b => b.StreamId == id).Version.ShouldBe(2);
    }

    [Fact]
    public async Task an_event_slipped_in_past_the_chain_trigger_is_caught()
    {
        var id = await StreamAsync(renames: 0);

        await log.ExecuteAsync("ALTER TABLE governance.mt_events DISABLE TRIGGER log_hash_chain");
        await log.AppendAsync(id, new ThingRenamed("unchained"));
        await log.ExecuteAsync("ALTER TABLE governance.mt_events ENABLE TRIGGER log_hash_chain");
        var report = await Verifier.VerifyAsync();

        report.Broken.Single(b => b.StreamId == id).ShouldSatisfyAllConditions(
            b => b.Version.ShouldBe(2),
            b => b.Reason.ShouldBe("event has no recorded hash"));
    }

    [Fact]
    public async Task an_append_after_an_unchained_event_is_refused_and_writes_nothing()
    {
        var id = await StreamAsync(renames: 0);
        await log.ExecuteAsync("ALTER TABLE governance.mt_events DISABLE TRIGGER log_hash_chain");
        await log.AppendAsync(id, new ThingRenamed("unchained"));
        await log.ExecuteAsync("ALTER TABLE governance.mt_events ENABLE TRIGGER log_hash_chain");

        var refused = await Should.ThrowAsync<Exception>(() => log.AppendAsync(id, new ThingRenamed("after the hole")));

        refused.ToString().ShouldContain($"stream {id} has no version 2 to chain to");
        (await log.ScalarAsync<long>($"SELECT count(*) FROM governance.mt_events WHERE stream_id = '{id}'")).ShouldBe(2);
        (await log.ScalarAsync<long>($"SELECT count(*) FROM governance.event_hashes WHERE stream_id = '{id}'")).ShouldBe(1);
    }

    [Fact]
    public async Task a_rewound_stream_head_is_caught()
    {
        var id = await StreamAsync(renames: 1);

        await log.ExecuteAsync($"UPDATE governance.mt_streams SET version = 1 WHERE id = '{id}'");
        var report = await Verifier.VerifyAsync();

        report.Broken.Single(b => b.StreamId == id).Reason.ShouldBe("stream head does not match its last event");
    }

    [Fact]
    public async Task the_chain_is_intact_under_32_concurrent_appenders()
    {
        await using var fresh = await TestLog.StartAsync();
        var streams = Enumerable.Range(0, 4).Select(i => $"thing-shared-{i}").ToArray();
        foreach (var stream in streams)
        {
            await fresh.StartStreamAsync(stream, new ThingCreated("shared"));
        }

        var committed = 0;
        var conflicts = 0;
        var writers = Enumerable.Range(0, 32).Select(w => Task.Run(async () =>
        {
            for (var n = 0; n < 12; n++)
            {
                await using var session = fresh.Session();
                var stream = await session.Events.FetchForWriting<Thing>(streams[(w + n) % streams.Length]);
                stream.AppendOne(new ThingRenamed($"w{w}-{n}"));
                try
                {
                    await session.SaveChangesAsync();
                    Interlocked.Increment(ref committed);
                }
                catch (JasperFx.ConcurrencyException)
                {
                    Interlocked.Increment(ref conflicts);
                }
            }
        }));
        await Task.WhenAll(writers);

        var report = await new HashChainVerifier(fresh.DataSource).VerifyAsync();
        report.Broken.ShouldBeEmpty();
        report.ShouldBe(new HashChainReport(true, streams.Length, streams.Length + committed, []), new ReportComparer());
        committed.ShouldBeGreaterThan(0);
        (committed + conflicts).ShouldBe(32 * 12);
        (await fresh.ScalarAsync<long>("SELECT count(*) FROM governance.event_hashes")).ShouldBe(streams.Length + committed);
    }
}
