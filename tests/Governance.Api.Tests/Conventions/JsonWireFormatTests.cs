using System.Text.Json;
using Governance.Api.Core.Json;
using Governance.EventLog;
using NodaTime;

namespace Governance.Api.Tests.Conventions;

/// <summary>
/// The text of every NodaTime value the service writes, in responses and in stored JSON. The expected strings are
/// what the service wrote before NodaTime.Serialization.SystemTextJson replaced the hand-written converters: clients
/// and stored bodies must not see a byte change.
/// </summary>
public sealed class JsonWireFormatTests
{
    private static readonly JsonSerializerOptions Api = CreateApiOptions();

    public static TheoryData<string, object, string> Values => new()
    {
        { "instant on the second", Instant.FromUtc(2026, 11, 23, 9, 0), "\"2026-11-23T09:00:00Z\"" },
        { "instant with milliseconds", Instant.FromUtc(2026, 11, 23, 9, 0) + Duration.FromMilliseconds(250), "\"2026-11-23T09:00:00.25Z\"" },
        { "instant with microseconds", Instant.FromUtc(2026, 11, 23, 9, 0) + Duration.FromNanoseconds(123_456_000), "\"2026-11-23T09:00:00.123456Z\"" },
        { "instant with nanoseconds", Instant.FromUtc(2026, 11, 23, 9, 0) + Duration.FromNanoseconds(1), "\"2026-11-23T09:00:00.000000001Z\"" },
        { "earliest instant", Instant.FromUtc(1, 1, 1, 0, 0), "\"0001-01-01T00:00:00Z\"" },
        { "latest instant", Instant.FromUtc(9999, 1, 1, 0, 0) - Duration.Epsilon, "\"9998-12-31T23:59:59.999999999Z\"" },
        { "date", new LocalDate(2026, 11, 23), "\"2026-11-23\"" },
        { "first date", new LocalDate(1, 1, 1), "\"0001-01-01\"" },
        { "time on the minute", new LocalTime(10, 0), "\"10:00\"" },
        { "midnight", LocalTime.Midnight, "\"00:00\"" },
        { "time with seconds", new LocalTime(10, 0, 30), "\"10:00:30\"" },
        { "time with a fraction", LocalTime.FromHourMinuteSecondMillisecondTick(10, 0, 0, 500, 0), "\"10:00:00.5\"" },
        { "last moment of the day", LocalTime.MaxValue, "\"23:59:59.999999999\"" },
        { "four weeks", Duration.FromDays(28), "\"P28D\"" },
        { "half an hour", Duration.FromMinutes(30), "\"PT30M\"" },
        { "an hour and a half", Duration.FromMinutes(90), "\"PT1H30M\"" },
        { "a day and twelve hours", Duration.FromHours(36), "\"P1DT12H\"" },
        { "a second and a half", Duration.FromMilliseconds(1500), "\"PT1.5S\"" },
        { "zero", Duration.Zero, "\"P0D\"" },
        { "ten years of days", Duration.FromDays(3653), "\"P3653D\"" },
        { "negative", Duration.FromMinutes(-5), "\"PT-5M\"" },
        { "time zone", DateTimeZoneProviders.Tzdb["Europe/Berlin"], "\"Europe/Berlin\"" },
        { "day of week", IsoDayOfWeek.Monday, "\"monday\"" },
    };

    [Theory]
    [MemberData(nameof(Values))]
    public void noda_time_values_are_written_as_they_always_were(string what, object value, string json)
    {
        JsonSerializer.Serialize(value, Declared(value), Api).ShouldBe(json, what);
        JsonSerializer.Serialize(value, Declared(value), StoredJson()).ShouldBe(json, what);
    }

    [Theory]
    [MemberData(nameof(Values))]
    public void what_is_written_reads_back_as_the_same_value(string what, object value, string json)
    {
        if (value is Duration duration && duration < Duration.Zero)
        {
            // Requests refuse negative durations; stored bodies never hold one, but they still read.
            JsonSerializer.Deserialize(json, Declared(value), StoredJson()).ShouldBe(value, what);
            return;
        }

        JsonSerializer.Deserialize(json, Declared(value), Api).ShouldBe(value, what);
        JsonSerializer.Deserialize(json, Declared(value), StoredJson()).ShouldBe(value, what);
    }

    [Fact]
    public void a_record_with_noda_time_members_keeps_its_shape_and_leaves_out_nulls()
    {
        var value = new Shift(Instant.FromUtc(2026, 11, 23, 9, 0), null, new LocalTime(9, 30), Duration.FromDays(7), null, new LocalDate(2026, 11, 23));

        JsonSerializer.Serialize(value, Api)
            .ShouldBe("""{"startsAt":"2026-11-23T09:00:00Z","handoffTime":"09:30","length":"P7D","startsOn":"2026-11-23"}""");
        JsonSerializer.Serialize(value, StoredJson())
            .ShouldBe("""{"startsAt":"2026-11-23T09:00:00Z","handoffTime":"09:30","length":"P7D","startsOn":"2026-11-23"}""");
    }

    [Theory]
    [InlineData("10:00", 10, 0, 0)]
    [InlineData("10:00:30", 10, 0, 30)]
    public void a_stored_time_of_day_reads_with_or_without_seconds(string text, int hour, int minute, int second) =>
        JsonSerializer.Deserialize<LocalTime>($"\"{text}\"", StoredJson()).ShouldBe(new LocalTime(hour, minute, second));

    [Fact]
    public void a_stored_duration_in_months_is_refused_rather_than_guessed() =>
        Should.Throw<JsonException>(() => JsonSerializer.Deserialize<Duration>("\"P1M\"", StoredJson()));

    [Theory]
    [InlineData("\"9999-06-01T00:00:00Z\"", typeof(Instant), "between 0001-01-01T00:00:00Z and 9998-12-31T23:59:59Z")]
    [InlineData("\"P3654D\"", typeof(Duration), "at most ten years")]
    [InlineData("\"PT-5M\"", typeof(Duration), "must not be negative")]
    [InlineData("\"9999-01-01\"", typeof(LocalDate), "between 0001-01-01 and 9998-12-31")]
    public void request_bodies_are_read_by_the_strict_converters_ahead_of_the_lenient_ones(string json, Type type, string problem)
    {
        // The log's converters would accept every one of these; a request must not.
        Should.NotThrow(() => JsonSerializer.Deserialize(json, type, StoredJson()));
        Should.Throw<JsonInputException>(() => JsonSerializer.Deserialize(json, type, Api)).Problem.ShouldContain(problem);
    }

    private sealed record Shift(Instant StartsAt, Instant? EndsAt, LocalTime HandoffTime, Duration Length, Duration? Grace, LocalDate? StartsOn);

    // A zone's runtime type is one of NodaTime's internal subclasses; members are declared as DateTimeZone.
    private static Type Declared(object value) => value is DateTimeZone ? typeof(DateTimeZone) : value.GetType();

    private static JsonSerializerOptions StoredJson() => EventJson.Options;

    private static JsonSerializerOptions CreateApiOptions()
    {
        // What ConfigureHttpJsonOptions starts from.
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        JsonConfiguration.Apply(options);
        return options;
    }
}
