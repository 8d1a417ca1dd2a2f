using System.Text.Json;
using System.Text.Json.Serialization;
using Governance.Api.Core.Time;
using Governance.EventLog;
using NodaTime;
using NodaTime.Text;

namespace Governance.Api.Core.Json;

/// <summary>
/// Converters for request bodies, ahead of the log's converters (<see cref="EventJson"/>): instants, dates and
/// durations go through <see cref="TimeInput"/> (one range for the whole API), and no string may carry a NUL
/// character, which PostgreSQL cannot store. They write exactly what the log's converters write.
/// </summary>
public static class RequestConverters
{
    /// <summary>Every request converter.</summary>
    public static IEnumerable<JsonConverter> All { get; } =
        [new InstantConverter(), new DurationConverter(), new LocalDateConverter(), new StringConverter(), new JsonElementConverter()];

    private const string NoNul = "must not contain NUL characters";

    private static string ReadString(ref Utf8JsonReader reader, string what) =>
        reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw new JsonInputException($"must be {what}, written as a JSON string");

    private sealed class InstantConverter : JsonConverter<Instant>
    {
        public override Instant Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            TimeInput.TryParseInstant(ReadString(ref reader, $"an ISO-8601 instant such as {TimeInput.InstantExample}"), out var instant, out var error)
                ? instant
                : throw new JsonInputException(error);

        public override void Write(Utf8JsonWriter writer, Instant value, JsonSerializerOptions options) =>
            writer.WriteStringValue(InstantPattern.ExtendedIso.Format(value));
    }

    private sealed class DurationConverter : JsonConverter<Duration>
    {
        public override Duration Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            TimeInput.TryParseDuration(ReadString(ref reader, "an ISO-8601 duration such as P7D"), out var duration, out var error)
                ? duration
                : throw new JsonInputException(error);

        public override void Write(Utf8JsonWriter writer, Duration value, JsonSerializerOptions options) =>
            writer.WriteStringValue(EventJson.DurationPattern.Format(value));
    }

    private sealed class LocalDateConverter : JsonConverter<LocalDate>
    {
        public override LocalDate Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            TimeInput.TryParseDate(ReadString(ref reader, "a date such as 2026-11-23"), out var date, out var error)
                ? date
                : throw new JsonInputException(error);

        public override void Write(Utf8JsonWriter writer, LocalDate value, JsonSerializerOptions options) =>
            writer.WriteStringValue(LocalDatePattern.Iso.Format(value));
    }

    private sealed class StringConverter : JsonConverter<string>
    {
        public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            Checked(ReadString(ref reader, "text"));

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

        public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            Checked(reader.GetString()!);

        public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WritePropertyName(value);

        private static string Checked(string value) => value.Contains('\0', StringComparison.Ordinal) ? throw new JsonInputException(NoNul) : value;
    }

    /// <summary>Free-form values (run params, configs) are stored as jsonb, which refuses NUL in strings and names alike.</summary>
    private sealed class JsonElementConverter : JsonConverter<JsonElement>
    {
        public override JsonElement Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var element = JsonElement.ParseValue(ref reader);
            return HasNul(element) ? throw new JsonInputException(NoNul) : element;
        }

        public override void Write(Utf8JsonWriter writer, JsonElement value, JsonSerializerOptions options) => value.WriteTo(writer);

        private static bool HasNul(JsonElement element) => element.ValueKind switch
        {
            JsonValueKind.String => element.GetString()!.Contains('\0', StringComparison.Ordinal),
            JsonValueKind.Array => element.EnumerateArray().Any(HasNul),
            JsonValueKind.Object => element.EnumerateObject().Any(p => p.Name.Contains('\0', StringComparison.Ordinal) || HasNul(p.Value)),
            _ => false,
        };
    }
}
