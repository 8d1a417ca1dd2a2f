using System.Text.Json;
using System.Text.Json.Serialization;
using NodaTime;
using NodaTime.Text;

namespace Governance.EventStore.Serialization;

/// <summary>System.Text.Json converters for the NodaTime types we store and serve, written as ISO-8601.</summary>
public static class NodaTimeJsonConverters
{
    /// <summary>Adds every converter to <paramref name="options"/>.</summary>
    public static JsonSerializerOptions AddNodaTime(this JsonSerializerOptions options)
    {
        options.Converters.Add(new InstantConverter());
        options.Converters.Add(new DurationConverter());
        options.Converters.Add(new LocalDateConverter());
        options.Converters.Add(new LocalTimeConverter());
        options.Converters.Add(new DateTimeZoneConverter());
        return options;
    }

    /// <summary>An ISO-8601 instant in UTC (2026-11-22T10:00:00Z) or with an offset (2026-11-22T11:00:00+01:00).</summary>
    public static bool TryParseInstant(string text, out Instant instant)
    {
        var utc = InstantPattern.ExtendedIso.Parse(text);
        if (utc.Success)
        {
            instant = utc.Value;
            return true;
        }

        var offset = OffsetDateTimePattern.ExtendedIso.Parse(text);
        instant = offset.Success ? offset.Value.ToInstant() : default;
        return offset.Success;
    }

    private static string ReadString(ref Utf8JsonReader reader, string what) =>
        reader.TokenType == JsonTokenType.String
            ? reader.GetString()!
            : throw new JsonException($"Expected {what} as a string.");

    /// <summary>Instants as ISO-8601 UTC, e.g. 2026-11-22T10:00:00Z; offsets are accepted on input.</summary>
    public sealed class InstantConverter : JsonConverter<Instant>
    {
        public override Instant Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = ReadString(ref reader, "an ISO-8601 instant");
            return TryParseInstant(text, out var instant)
                ? instant
                : throw new JsonException($"'{text}' is not an ISO-8601 instant such as 2026-11-22T10:00:00Z.");
        }

        public override void Write(Utf8JsonWriter writer, Instant value, JsonSerializerOptions options) =>
            writer.WriteStringValue(InstantPattern.ExtendedIso.Format(value));
    }

    /// <summary>Durations as ISO-8601, e.g. P7D or PT30M. Months and years have no fixed length and are refused.</summary>
    public sealed class DurationConverter : JsonConverter<Duration>
    {
        public override Duration Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = ReadString(ref reader, "an ISO-8601 duration");
            var parsed = PeriodPattern.NormalizingIso.Parse(text);
            if (!parsed.Success)
            {
                throw new JsonException($"'{text}' is not an ISO-8601 duration such as P7D or PT30M.");
            }

            var period = parsed.Value;
            if (period.Years != 0 || period.Months != 0)
            {
                throw new JsonException($"'{text}' uses months or years, which have no fixed length; use days.");
            }

            return period.ToDuration();
        }

        public override void Write(Utf8JsonWriter writer, Duration value, JsonSerializerOptions options) =>
            writer.WriteStringValue(Format(value));

        /// <summary>ISO-8601 text for a duration, days as the largest unit.</summary>
        public static string Format(Duration value)
        {
            var period = Period.FromNanoseconds(value.ToInt64Nanoseconds()).Normalize();
            return PeriodPattern.NormalizingIso.Format(period);
        }
    }

    /// <summary>Dates as yyyy-MM-dd.</summary>
    public sealed class LocalDateConverter : JsonConverter<LocalDate>
    {
        public override LocalDate Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = ReadString(ref reader, "a date");
            var parsed = LocalDatePattern.Iso.Parse(text);
            return parsed.Success ? parsed.Value : throw new JsonException($"'{text}' is not a date such as 2026-11-23.");
        }

        public override void Write(Utf8JsonWriter writer, LocalDate value, JsonSerializerOptions options) =>
            writer.WriteStringValue(LocalDatePattern.Iso.Format(value));
    }

    /// <summary>Times of day as HH:mm, or HH:mm:ss when seconds matter.</summary>
    public sealed class LocalTimeConverter : JsonConverter<LocalTime>
    {
        private static readonly LocalTimePattern HoursMinutes = LocalTimePattern.CreateWithInvariantCulture("HH:mm");

        public override LocalTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = ReadString(ref reader, "a time of day");
            var shortForm = HoursMinutes.Parse(text);
            if (shortForm.Success)
            {
                return shortForm.Value;
            }

            var longForm = LocalTimePattern.ExtendedIso.Parse(text);
            return longForm.Success ? longForm.Value : throw new JsonException($"'{text}' is not a time of day such as 10:00.");
        }

        public override void Write(Utf8JsonWriter writer, LocalTime value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.Second == 0 && value.NanosecondOfSecond == 0
                ? HoursMinutes.Format(value)
                : LocalTimePattern.ExtendedIso.Format(value));
    }

    /// <summary>Time zones by TZDB id, e.g. Europe/Berlin.</summary>
    public sealed class DateTimeZoneConverter : JsonConverter<DateTimeZone>
    {
        public override DateTimeZone Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = ReadString(ref reader, "a TZDB time zone id");
            return DateTimeZoneProviders.Tzdb.GetZoneOrNull(text)
                ?? throw new JsonException($"'{text}' is not a TZDB time zone id such as Europe/Berlin.");
        }

        public override void Write(Utf8JsonWriter writer, DateTimeZone value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.Id);
    }
}
