using System.Diagnostics.CodeAnalysis;
using NodaTime;
using NodaTime.Text;

namespace Governance.Api.Core.Time;

/// <summary>
/// The one parser for every instant, date and duration a client sends, in a query or a body, with one range.
/// Instants and dates lie in the years 0001–9998, so that anything the service computes from them (a shift end, an
/// SLO window before an instant, a conversion for PostgreSQL) stays inside what NodaTime, .NET and PostgreSQL can
/// represent; durations are at most ten years and never negative. Errors are predicates ("must be …") that the caller
/// prefixes with the field's name.
/// </summary>
public static class TimeInput
{
    /// <summary>The earliest instant a client may name.</summary>
    public static Instant Earliest { get; } = Instant.FromUtc(1, 1, 1, 0, 0);

    /// <summary>The latest instant a client may name: the last moment of 9998.</summary>
    public static Instant Latest { get; } = Instant.FromUtc(9999, 1, 1, 0, 0) - Duration.Epsilon;

    /// <summary>The earliest date a client may name.</summary>
    public static LocalDate EarliestDate { get; } = new(1, 1, 1);

    /// <summary>The latest date a client may name.</summary>
    public static LocalDate LatestDate { get; } = new(9998, 12, 31);

    /// <summary>The longest duration a client may send: ten years of days.</summary>
    public static Duration Longest { get; } = Duration.FromDays(3653);

    /// <summary>An instant as the service writes it.</summary>
    public const string InstantExample = "2026-11-22T10:00:00Z";

    private const string InstantForms = "an ISO-8601 instant such as 2026-11-22T10:00:00Z or 2026-11-22T12:00:00+02:00";

    private static readonly OffsetDateTimePattern Seconds = OffsetDateTimePattern.ExtendedIso;
    private static readonly OffsetDateTimePattern Minutes = OffsetDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mmo<G>");
    private static readonly LocalDateTimePattern Local = LocalDateTimePattern.ExtendedIso;
    private static readonly LocalDateTimePattern LocalMinutes = LocalDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm");

    /// <summary>
    /// An ISO-8601 instant in UTC (<c>Z</c>) or with an offset (<c>+02:00</c>), seconds and fractions optional, between
    /// <see cref="Earliest"/> and <see cref="Latest"/>. A date alone or a time without a zone is refused: neither says
    /// which instant is meant.
    /// </summary>
    public static bool TryParseInstant(string? text, out Instant instant, [NotNullWhen(false)] out string? error)
    {
        instant = default;
        var normalized = (text ?? "").Trim().ToUpperInvariant();
        var parsed = Seconds.Parse(normalized);
        if (!parsed.Success)
        {
            parsed = Minutes.Parse(normalized);
        }

        if (!parsed.Success)
        {
            error = LocalDatePattern.Iso.Parse(normalized).Success
                ? $"must be an instant, not a date: a date alone does not say which midnight is meant; write {normalized}T00:00:00Z for midnight UTC"
                : Local.Parse(normalized).Success || LocalMinutes.Parse(normalized).Success
                    ? $"needs a zone: end it with Z for UTC or an offset such as +02:00 ({normalized}Z)"
                    : $"must be {InstantForms}";
            return false;
        }

        // The local year first: 9999-12-31T23:59:59-05:00 is past the last instant NodaTime can hold at all.
        var local = parsed.Value.LocalDateTime;
        if (local.Year is < 1 or > 9998 || parsed.Value.ToInstant() is var at && (at < Earliest || at > Latest))
        {
            error = "must be between 0001-01-01T00:00:00Z and 9998-12-31T23:59:59Z";
            return false;
        }

        instant = at;
        error = null;
        return true;
    }

    /// <summary>
    /// An ISO-8601 duration in weeks, days, hours, minutes and seconds (<c>P7D</c>, <c>PT30M</c>), from zero to
    /// <see cref="Longest"/>. Months and years have no fixed length and are refused.
    /// </summary>
    public static bool TryParseDuration(string? text, out Duration duration, [NotNullWhen(false)] out string? error)
    {
        duration = default;
        var parsed = PeriodPattern.NormalizingIso.Parse((text ?? "").Trim().ToUpperInvariant());
        if (!parsed.Success)
        {
            error = "must be an ISO-8601 duration such as P7D, PT12H or PT30M";
            return false;
        }

        var p = parsed.Value;
        if (p.Years != 0 || p.Months != 0)
        {
            error = "must be given in weeks, days, hours, minutes or seconds (months and years have no fixed length), such as P30D";
            return false;
        }

        // Summed in 128 bits: the components of a hostile period overflow 64-bit nanoseconds long before they are refused.
        var nanoseconds = (((Int128)p.Weeks * 7 + p.Days) * 24 + p.Hours) * 3_600_000_000_000
            + (Int128)p.Minutes * 60_000_000_000 + (Int128)p.Seconds * 1_000_000_000 + (Int128)p.Milliseconds * 1_000_000
            + (Int128)p.Ticks * 100 + p.Nanoseconds;
        if (nanoseconds < 0)
        {
            error = "must not be negative";
            return false;
        }

        if (nanoseconds > Longest.ToInt64Nanoseconds())
        {
            error = "must be at most ten years (P3653D)";
            return false;
        }

        duration = Duration.FromNanoseconds((long)nanoseconds);
        error = null;
        return true;
    }

    /// <summary>An ISO-8601 calendar date (<c>2026-11-23</c>) between <see cref="EarliestDate"/> and <see cref="LatestDate"/>.</summary>
    public static bool TryParseDate(string? text, out LocalDate date, [NotNullWhen(false)] out string? error)
    {
        date = default;
        var parsed = LocalDatePattern.Iso.Parse((text ?? "").Trim());
        if (!parsed.Success)
        {
            error = "must be a date such as 2026-11-23";
            return false;
        }

        if (parsed.Value < EarliestDate || parsed.Value > LatestDate)
        {
            error = "must be between 0001-01-01 and 9998-12-31";
            return false;
        }

        date = parsed.Value;
        error = null;
        return true;
    }

    /// <summary>The sentence for a field: <c>'at' must be …</c>.</summary>
    public static string Sentence(string field, string error) => $"'{field}' {error}.";

    /// <summary>
    /// <paramref name="at"/> minus <paramref name="span"/>, but never before <see cref="Earliest"/>: a window that
    /// reaches back before the year 1 holds nothing anyway, and PostgreSQL parameters cannot go there.
    /// </summary>
    public static Instant BackFrom(Instant at, Duration span) =>
        at < Earliest + span ? Instant.Min(at, Earliest) : at - span;
}
