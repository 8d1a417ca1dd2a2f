using Governance.EventLog.Tests.Infrastructure;
using Marten;
using NodaTime;
using NodaTime.Testing;

namespace Governance.EventLog.Tests;

/// <summary>What a stored event looks like: its name, body, metadata and time.</summary>
public sealed class StoredShapeTests(LogFixture fixture) : IClassFixture<LogFixture>
{
    private static readonly Instant ClockStart = LogFixture.ClockStart;
    private readonly FakeClock clock = fixture.Clock;
    private readonly TestLog log = fixture.Log;

    [Fact]
    public async Task events_are_stored_under_their_registered_snake_case_names()
    {
        await log.StartStreamAsync("thing-names", new ThingCreated("a"), new ThingRenamed("b"));

        var rows = await Sql.RowsAsync(log.ConnectionString,
            "SELECT type FROM governance.mt_events WHERE stream_id = 'thing-names' ORDER BY version");

        rows.Select(r => r[0]).ShouldBe(["thing_created", "thing_renamed"]);
    }

    [Fact]
    public async Task a_name_registered_explicitly_is_the_stored_name()
    {
        await using var renamed = await TestLog.StartAsync(configureLog: o => o.Registry.Register<Stray>("stray_was_renamed"));

        await renamed.StartStreamAsync("thing-explicit", new ThingCreated("a"), new Stray("x"));

        (await renamed.ScalarAsync<string>("SELECT type FROM governance.mt_events WHERE stream_id = 'thing-explicit' AND version = 2"))
            .ShouldBe("stray_was_renamed");
    }

    [Fact]
    public async Task an_unregistered_event_type_is_refused_before_anything_is_written()
    {
        await using var session = log.Session();
        session.Events.StartStream<Thing>("thing-stray", new ThingCreated("a"), new Stray("x"));

        var refused = await Should.ThrowAsync<UnregisteredEventException>(() => session.SaveChangesAsync());

        refused.Message.ShouldContain(nameof(Stray));
        refused.Message.ShouldContain("Register it in its feature module");
        (await log.ScalarAsync<long>("SELECT count(*) FROM governance.mt_events WHERE stream_id = 'thing-stray'")).ShouldBe(0);
    }

    [Fact]
    public async Task every_event_carries_the_actor_correlation_causation_trace_and_client_headers()
    {
        await log.StartStreamAsync("thing-meta", new ThingCreated("a"), new ThingRenamed("b"));

        var rows = await Sql.RowsAsync(log.ConnectionString,
            "SELECT user_name, correlation_id, causation_id, headers->>'traceId', headers->>'userAgent', headers->>'remoteIp' " +
            "FROM governance.mt_events WHERE stream_id = 'thing-meta' ORDER BY version");

        rows.Count.ShouldBe(2);
        foreach (var row in rows)
        {
            row.ShouldBe(["ana", "corr-1", "cause-1", "4bf92f3577b34da6a3ce929d0e0e4736", "gov/1.0", "10.0.0.7"]);
        }
    }

    [Fact]
    public async Task event_times_come_from_the_service_clock_not_the_database()
    {
        var before = clock.GetCurrentInstant();
        await log.StartStreamAsync("thing-clock", new ThingCreated("a"));
        clock.Advance(Duration.FromHours(2));
        await log.AppendAsync("thing-clock", new ThingRenamed("b"));

        await using var query = log.Store.QuerySession();
        var events = await query.Events.FetchStreamAsync("thing-clock");

        events.Select(e => Instant.FromDateTimeOffset(e.Timestamp)).ShouldBe([before, before + Duration.FromHours(2)]);
    }

    [Fact]
    public async Task bodies_are_camel_case_with_iso_nodatime_values_and_enum_names_and_read_back()
    {
        var shaped = new Shaped(ClockStart, new LocalDate(2031, 3, 14), new LocalTime(10, 0), Duration.FromDays(28), Colour.DeepBlue);
        await log.StartStreamAsync("thing-shape", new ThingCreated("a"), shaped);

        (await log.ScalarAsync<string>("SELECT data::text FROM governance.mt_events WHERE stream_id = 'thing-shape' AND version = 2"))
            .ShouldBe("""{"at": "2031-03-14T09:26:53.000589Z", "day": "2031-03-14", "time": "10:00", "colour": "deepBlue", "window": "P28D"}""");
        await using var query = log.Store.QuerySession();
        var events = await query.Events.FetchStreamAsync("thing-shape");
        events[1].Data.ShouldBe(shaped);
    }

    [Fact]
    public async Task bodies_written_by_the_previous_store_still_read()
    {
        // The previous store wrote times with seconds when they had any, and durations with days as the largest unit.
        var json = """{"at": "2031-03-14T09:26:53Z", "day": "2031-03-14", "time": "10:00:30", "colour": "red", "window": "P1DT12H"}""";
        var serializer = log.Store.Options.Serializer();

        var read = serializer.FromJson<Shaped>(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json)));

        read.ShouldBe(new Shaped(Instant.FromUtc(2031, 3, 14, 9, 26, 53), new LocalDate(2031, 3, 14), new LocalTime(10, 0, 30), Duration.FromHours(36), Colour.Red));
    }

    [Fact]
    public async Task nodatime_values_bind_as_sql_parameters_of_queued_commands()
    {
        await log.ExecuteAsync("CREATE TABLE governance.noda_check (at timestamptz, day date, window_length interval)");
        await using (var session = log.Session())
        {
            session.QueueSqlCommand("INSERT INTO governance.noda_check VALUES (?, ?, ?)", ClockStart, new LocalDate(2031, 3, 14), Duration.FromDays(2));
            await session.SaveChangesAsync();
        }

        (await log.ScalarAsync<string>("SELECT at::text || ' ' || day::text || ' ' || window_length::text FROM governance.noda_check"))
            .ShouldBe("2031-03-14 09:26:53.000589+00 2031-03-14 2 days");
    }
}
