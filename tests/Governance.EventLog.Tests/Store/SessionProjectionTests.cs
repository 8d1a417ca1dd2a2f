using Governance.EventLog.Projections;
using Governance.EventLog.Streams;
using Governance.EventLog.Tests.Infrastructure;
using Marten;

namespace Governance.EventLog.Tests.Store;

/// <summary>
/// Sessions the service does not open itself (Wolverine's, for commands) get what <see cref="MartenEventStore"/> gives its
/// own appends: the caller's metadata on each event, and the inline projections in the appending transaction, after the
/// insert, seeing the events as stored. And streams they start through FetchForWriting keep their stream type.
/// </summary>
public sealed class SessionProjectionTests : IAsyncLifetime
{
    private static readonly EventMetadata Caller = new("bea", "corr-9", null, "0af7651916cd43dd8448eb211c80319c",
        new Dictionary<string, string> { ["userAgent"] = "pipeline/2" });

    private readonly string table = $"governance.session_{Guid.NewGuid():N}";
    private readonly List<IInlineProjection> projections = [];
    private TestLog log = null!;

    public async Task InitializeAsync()
    {
        EventLogOptions? options = null;
        log = await TestLog.StartAsync(
            configureLog: o =>
            {
                o.Fold<ThingState>();
                options = o;
            },
            configureStore: opts => opts.Listeners.Add(new InlineProjectionsListener(options!.Registry, options.Folded, () => projections, () => Caller)));
        await log.ExecuteAsync($"CREATE TABLE {table} (seq bigint PRIMARY KEY, stream_id text, version int, actor text, stored boolean)");
    }

    public async Task DisposeAsync() => await log.DisposeAsync();

    [Fact]
    public async Task a_session_that_appends_runs_the_inline_projections_in_its_transaction_on_the_stored_events()
    {
        projections.Add(new InlineCallback(async (context, events, ct) =>
        {
            foreach (var e in events)
            {
                await context.ExecuteAsync(
                    $"INSERT INTO {table} VALUES ($1, $2, $3, $4, EXISTS (SELECT 1 FROM governance.mt_events m JOIN governance.event_hashes h " +
                    "ON h.seq_id = m.seq_id WHERE m.seq_id = $1 AND m.stream_id = $2 AND m.version = $3 AND h.tx_id = pg_current_xact_id()))",
                    ct, e.Seq, e.StreamId, e.Version, e.Metadata.Actor);
            }
        }));
        var stream = TestEvents.NewStream();

        await using (var session = log.Store.LightweightSession())
        {
            session.Events.StartStream<Thing>(stream, new ThingCreated("a"), new ThingRenamed("b"));
            await session.SaveChangesAsync();
        }

        (await log.ScalarAsync<long>($"SELECT count(*) FROM {table} WHERE stream_id = '{stream}' AND stored AND actor = 'bea'")).ShouldBe(2);
        (await log.ScalarAsync<string>($"SELECT string_agg(version::text, ',' ORDER BY seq) FROM {table} WHERE stream_id = '{stream}'")).ShouldBe("1,2");
        (await log.ScalarAsync<string>($"SELECT user_name || ' ' || correlation_id || ' ' || (headers->>'userAgent') FROM governance.mt_events WHERE stream_id = '{stream}' AND version = 1"))
            .ShouldBe("bea corr-9 pipeline/2");
    }

    [Fact]
    public async Task a_failing_inline_projection_rolls_the_session_back()
    {
        projections.Add(new InlineCallback((_, _, _) => throw new InvalidOperationException("projection bug")));
        var stream = TestEvents.NewStream();

        await using (var session = log.Store.LightweightSession())
        {
            session.Events.StartStream<Thing>(stream, new ThingCreated("a"));
            await Should.ThrowAsync<InvalidOperationException>(() => session.SaveChangesAsync());
        }

        (await log.ScalarAsync<long>($"SELECT count(*) FROM governance.mt_events WHERE stream_id = '{stream}'")).ShouldBe(0);
    }

    [Fact]
    public async Task a_stream_started_through_fetch_for_writing_keeps_its_stream_type_and_folds_back()
    {
        var stream = TestEvents.NewStream();

        await using (var session = log.Store.LightweightSession())
        {
            var fresh = await session.Events.FetchForWriting<Folded<ThingState>>(stream);
            fresh.Aggregate.ShouldBeNull();
            fresh.AppendMany(new ThingCreated("a"), new ThingRenamed("b"));
            await session.SaveChangesAsync();
        }

        (await log.ScalarAsync<string>($"SELECT type FROM governance.mt_streams WHERE id = '{stream}'")).ShouldBe(ThingState.StreamType);
        await using var reader = log.Store.LightweightSession();
        var loaded = await reader.Events.FetchForWriting<Folded<ThingState>>(stream);
        loaded.Aggregate!.State.ShouldBe(new ThingState("b", 1));
        loaded.StartingVersion.ShouldBe(2);
    }
}
