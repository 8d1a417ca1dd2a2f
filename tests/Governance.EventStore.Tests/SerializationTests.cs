using System.Text.Json;
using System.Text.Json.Nodes;
using Governance.EventStore.Serialization;
using Governance.EventStore.Tests.Infrastructure;
using NodaTime;

namespace Governance.EventStore.Tests;

public sealed record OldThingNamed(string Title);

public sealed record HTTPRequestSent(string Url);

public sealed class SerializationTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static readonly JsonSerializerOptions Json = EventSerializer.CreateDefaultOptions();

    private static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Json);

    private static T Deserialize<T>(string json) => JsonSerializer.Deserialize<T>(json, Json)!;

    [Fact]
    public void an_instant_is_written_as_iso_utc_and_read_back()
    {
        var instant = Instant.FromUtc(2026, 11, 22, 10, 0, 0);

        Serialize(instant).ShouldBe("\"2026-11-22T10:00:00Z\"");
        Deserialize<Instant>("\"2026-11-22T10:00:00Z\"").ShouldBe(instant);
        Deserialize<Instant>("\"2026-11-22T11:00:00+01:00\"").ShouldBe(instant);
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
        await s.Store.AppendAsync(stream, "thing", ExpectedVersion.NoStream,
            [new Scheduled(Instant.FromUtc(2026, 1, 2, 3, 4, 5), Duration.FromMinutes(30), new LocalDate(2026, 1, 2), new LocalTime(9, 30), DateTimeZoneProviders.Tzdb["UTC"])],
            TestEvents.Meta);

        (await fixture.ScalarAsync<string>($"SELECT type FROM governance.events WHERE stream_id = '{stream}'")).ShouldBe("scheduled");
        (await fixture.ScalarAsync<string>($"SELECT data ->> 'every' FROM governance.events WHERE stream_id = '{stream}'")).ShouldBe("PT30M");
        (await fixture.ScalarAsync<string>($"SELECT metadata ->> 'correlationId' FROM governance.events WHERE stream_id = '{stream}'")).ShouldBe("correlation-1");
    }

    [Fact]
    public async Task an_upcaster_renames_and_transforms_old_events_on_read_without_rewriting_rows()
    {
        var stream = TestEvents.NewStream();
        await using (var old = fixture.CreateStore(configure: o => o.Registry.Register<OldThingNamed>("thing_named")))
        {
            await old.Store.AppendAsync(stream, "thing", ExpectedVersion.NoStream, [new OldThingNamed("legacy")], TestEvents.Meta);
        }

        await using var s = fixture.CreateStore(configure: o => o.Registry.Upcast("thing_named", "thing_created", body =>
        {
            body["name"] = body["title"]?.DeepClone();
            body.Remove("title");
            return body;
        }));

        var read = (await s.Store.ReadStreamAsync(stream)).Single();
        read.Type.ShouldBe("thing_created");
        read.Data.ShouldBe(new ThingCreated("legacy"));
        (await s.Store.AggregateStreamAsync<ThingState>(stream))!.State.Name.ShouldBe("legacy");

        (await fixture.ScalarAsync<string>($"SELECT type FROM governance.events WHERE stream_id = '{stream}'")).ShouldBe("thing_named");
        (await fixture.ScalarAsync<string>($"SELECT data::text FROM governance.events WHERE stream_id = '{stream}'")).ShouldBe("{\"title\": \"legacy\"}");
        (await s.Store.VerifyHashChainsAsync()).Broken.Where(b => b.StreamId == stream).ShouldBeEmpty();
    }

    [Fact]
    public void an_unknown_event_type_is_read_as_raw_json()
    {
        var serializer = new EventSerializer(new EventTypeRegistry());

        var (type, data) = serializer.Deserialize("something_else", "{\"a\":1}");

        type.ShouldBe("something_else");
        data.ShouldBeOfType<JsonObject>()["a"]!.GetValue<int>().ShouldBe(1);
    }
}
