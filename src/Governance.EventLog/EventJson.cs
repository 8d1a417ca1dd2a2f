using System.Text.Json;
using System.Text.Json.Serialization;
using NodaTime;
using NodaTime.Serialization.SystemTextJson;
using NodaTime.Text;

namespace Governance.EventLog;

/// <summary>
/// The JSON of event bodies: camelCase members, enums as camelCase strings, nulls left out, NodaTime values as
/// ISO-8601. It is the shape the previous store wrote, so every historical body still reads.
/// </summary>
public static class EventJson
{
    // HH:mm when the seconds are zero, the full ISO time otherwise; both are read. A composite pattern formats
    // with the last pattern whose predicate holds, so the short form comes last. Declared ahead of Options: static
    // initializers run in order, and Options is built from this.
    private static readonly IPattern<LocalTime> TimeOfDayPattern = new CompositePatternBuilder<LocalTime>
    {
        { LocalTimePattern.ExtendedIso, _ => true },
        { LocalTimePattern.CreateWithInvariantCulture("HH:mm"), t => t.Second == 0 && t.NanosecondOfSecond == 0 },
    }.Build();

    /// <summary>
    /// Read-only options with these conventions on ASP.NET Core's web defaults, for code that reads or writes the
    /// JSON the log and its projections store (jsonb columns) outside Marten.
    /// </summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    /// <summary>How the service writes a duration: an ISO-8601 period with days as the largest unit (P28D, PT1H30M).</summary>
    public static IPattern<Duration> DurationPattern => IsoDurationPattern.Instance;

    /// <summary>Applies the event body conventions to options Marten (or anyone) serializes with.</summary>
    public static void Configure(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;

        // Marten adds its own string-enum converter (PascalCase names); the log has always held camelCase names.
        for (var i = options.Converters.Count - 1; i >= 0; i--)
        {
            if (options.Converters[i] is JsonStringEnumConverter)
            {
                options.Converters.RemoveAt(i);
            }
        }

        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        options.ConfigureForNodaTime(new NodaJsonSettings(DateTimeZoneProviders.Tzdb)
        {
            // The package writes durations as 672:00:00 and times as 10:00:00; the log holds P28D and 10:00.
            DurationConverter = new NodaPatternConverter<Duration>(IsoDurationPattern.Instance),
            LocalTimeConverter = new NodaPatternConverter<LocalTime>(TimeOfDayPattern),
        });
    }

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Configure(options);
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>Durations as ISO-8601 periods with days as the largest unit (P7D, PT30M); months and years are refused.</summary>
    private sealed class IsoDurationPattern : IPattern<Duration>
    {
        public static IsoDurationPattern Instance { get; } = new();

        public ParseResult<Duration> Parse(string text)
        {
            var period = PeriodPattern.NormalizingIso.Parse(text);
            if (!period.Success)
            {
                return period.ConvertError<Duration>();
            }

            return period.Value.Years != 0 || period.Value.Months != 0
                ? ParseResult<Duration>.ForException(() => new UnparsableValueException(
                    $"'{text}' uses months or years, which have no fixed length; use days.", text, 0))
                : ParseResult<Duration>.ForValue(period.Value.ToDuration());
        }

        public string Format(Duration value) =>
            PeriodPattern.NormalizingIso.Format(Period.FromNanoseconds(value.ToInt64Nanoseconds()).Normalize());

        public System.Text.StringBuilder AppendFormat(Duration value, System.Text.StringBuilder builder) =>
            builder.Append(Format(value));
    }
}
