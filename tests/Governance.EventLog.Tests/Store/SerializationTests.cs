using System.Text.Json;
using System.Text.Json.Nodes;
using Governance.EventLog.Tests.Infrastructure;
using NodaTime;

namespace Governance.EventLog.Tests.Store;

public sealed record HTTPRequestSent(string Url);

/// <summary>Registered under a name of its own by one log, unknown to the store that reads it back.</summary>
public sealed record OldThingNamed(string Title);

/// <summary>
/// The bodies of the log: ISO-8601 NodaTime values, snake_case names, camelCase members, and history that no
/// feature registers any more still readable. (The previous store's upcasters are gone: the registry has none.)
/// </summary>
public sealed class SerializationTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static readonly JsonSerializerOptions Json = EventJson.Options;

    private static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Json);

    private static T Deserialize<T>(string json) => JsonSerializer.Deserialize<T>(json, Json)!;

    [Fact]
    public void an_instant_is_written_as_iso_utc_and_read_back()
    {
        var instant = Instant.FromUtc(2026, 11, 22, 10, 0, 0);

        Serialize(instant).ShouldBe("\"2026-11-22T10:00:00Z\"");
        Deserialize<Instant>("\"2026-11-22T10:00:00Z\"").ShouldBe(instant);
        var precise = instant + Duration.FromTicks(1_234_567);
        Deserialize<Instant>(Serialize(precise)).ShouldBe(precise);
    }

    [Theory]
    [InlineData("P7D", 7 * 24 * 60)]
    [InlineData("PT30M", 30)]
    [InlineData("P1DT2H", 26 * 60)]
    public void a_duration_is_written_as_iso_and_read_back(string iso, int minutes)
    {
        var duration = Duration.FromMinutes(minutes);

        Serialize(duration).ShouldBe($"\"{iso}\"");
        Deserialize<Duration>($"\"{iso}\"").ShouldBe(duration);
    }

    [Fact]
    public void local_dates_times_and_zones_round_trip()
    {
        Serialize(new LocalDate(2026, 11, 23)).ShouldBe("\"2026-11-23\"");
        Deserialize<LocalDate>("\"2026-11-23\"").ShouldBe(new LocalDate(2026, 11, 23));
        Serialize(new LocalTime(10, 0)).ShouldBe("\"10:00\"");
        Deserialize<LocalTime>("\"10:00\"").ShouldBe(new LocalTime(10, 0));
        Serialize(new LocalTime(10, 0, 30)).ShouldBe("\"10:00:30\"");
        Deserialize<LocalTime>("\"10:00:30\"").ShouldBe(new LocalTime(10, 0, 30));

        var zone = DateTimeZoneProviders.Tzdb["Europe/Berlin"];
        var scheduled = new Scheduled(Instant.FromUtc(2026, 1, 2, 3, 4, 5), Duration.FromDays(7), new LocalDate(2026, 1, 2), new LocalTime(9, 30), zone);
        var json = Serialize(scheduled);
        json.ShouldContain("\"zone\":\"Europe/Berlin\"");
        json.ShouldContain("\"every\":\"P7D\"");
        Deserialize<Scheduled>(json).ShouldBe(scheduled);
    }

    [Theory]
    [InlineData("Instant", "\"yesterday\"")]
    [InlineData("Instant", "12345")]
    [InlineData("Duration", "\"P1M\"")]
    [InlineData("Duration", "\"thirty minutes\"")]
    [InlineData("LocalDate", "\"2026-13-01\"")]
    [InlineData("LocalTime", "\"25:00\"")]
    [InlineData("DateTimeZone", "\"Mars/Olympus\"")]
    public void a_bad_value_throws_a_json_exception(string type, string json)
    {
        Action read = type switch
        {
            "Instant" => () => Deserialize<Instant>(json),
            "Duration" => () => Deserialize<Duration>(json),
            "LocalDate" => () => Deserialize<LocalDate>(json),
            "LocalTime" => () => Deserialize<LocalTime>(json),
            _ => () => Deserialize<Scheduled>($"{{\"at\":\"2026-01-01T00:00:00Z\",\"every\":\"P1D\",\"day\":\"2026-01-01\",\"time\":\"10:00\",\"zone\":{json}}}"),
        };

        Should.Throw<JsonException>(read);
    }

    [Theory]
    [InlineData("PromotionRequested", "promotion_requested")]
    [InlineData("ThingCreated", "thing_created")]
    [InlineData("HTTPRequestSent", "http_request_sent")]
    [InlineData("Model2Deployed", "model2_deployed")]
    [InlineData("Approved", "approved")]
    public void event_names_are_snake_case(string clrName, string stored)
    {
        EventTypeRegistry.ToSnakeCase(clrName).ShouldBe(stored);
    }

    [Fact]
    public void registering_a_second_type_under_a_taken_name_is_refused()
    {
        var registry = new EventTypeRegistry().Register<ThingCreated>();

        Should.Throw<InvalidOperationException>(() => registry.Register<ThingRenamed>("thing_created"));
        new EventTypeRegistry().Register<HTTPRequestSent>().NameOf(typeof(HTTPRequestSent)).ShouldBe("http_request_sent");
    }

    [Fact]
    public async Task events_are_stored_under_their_snake_case_name_with_a_camel_case_body()
    {
        await using var s = fixture.CreateStore();
        var stream = TestEvents.NewStream();
        var scheduled = new Scheduled(Instant.FromUtc(2026, 1, 2, 3, 4, 5), Duration.FromMinutes(30), new LocalDate(2026, 1, 2), new LocalTime(9, 30), DateTimeZoneProviders.Tzdb["UTC"]);
        await s.Store.AppendAsync(stream, "thing", ExpectedVersion.NoStream, [scheduled], TestEvents.Meta);

        (await fixture.ScalarAsync<string>($"SELECT type FROM governance.mt_events WHERE stream_id = '{stream}'")).ShouldBe("scheduled");
        (await fixture.ScalarAsync<string>($"SELECT data::text FROM governance.mt_events WHERE stream_id = '{stream}'"))
            .ShouldBe("""{"at": "2026-01-02T03:04:05Z", "day": "2026-01-02", "time": "09:30", "zone": "UTC", "every": "PT30M"}""");
        (await fixture.ScalarAsync<string>($"SELECT correlation_id FROM governance.mt_events WHERE stream_id = '{stream}'")).ShouldBe("corr-1");
        (await s.Store.ReadStreamAsync(stream)).Single().Data.ShouldBe(scheduled);
    }

    [Fact]
    public async Task an_unknown_event_type_is_read_as_raw_json()
    {
        // Written by a service that registered the event; read by one that no longer does.
        await using var old = await TestLog.StartAsync(configureLog: o => o.Registry.Register<OldThingNamed>("thing_named"));
        var stream = TestEvents.NewStream();
        await using (var writer = new TestStore(old, []))
        {
            await writer.Store.AppendAsync(stream, "thing", ExpectedVersion.NoStream, [new ThingCreated("a"), new OldThingNamed("legacy")], TestEvents.Meta);
        }

        await using var reader = new TestStore(old, [], registry: new EventTypeRegistry().RegisterTestEvents());
        var read = await reader.Store.ReadStreamAsync(stream);

        read.Select(e => e.Type).ShouldBe(["thing_created", "thing_named"]);
        read[0].Data.ShouldBe(new ThingCreated("a"));
        read[1].Data.ShouldBeOfType<JsonObject>()["title"]!.GetValue<string>().ShouldBe("legacy");
        (await reader.Store.AggregateStreamAsync<ThingState>(stream))!.ShouldSatisfyAllConditions(
            a => a.State.ShouldBe(new ThingState("a", 0)),
            a => a.Version.ShouldBe(2));
    }
}
