using Governance.Api.Core.Time;
using NodaTime;

namespace Governance.Api.Tests.Conventions;

/// <summary>The one parser for instants, dates and durations from clients: its forms and its range.</summary>
public sealed class TimeInputTests
{
    [Theory]
    [InlineData("2026-11-22T10:00:00Z", "2026-11-22T10:00:00Z")]
    [InlineData("2026-11-22T12:00:00+02:00", "2026-11-22T10:00:00Z")]
    [InlineData("2026-11-22T05:00:00-05:00", "2026-11-22T10:00:00Z")]
    [InlineData("2026-11-22T10:00:00.250Z", "2026-11-22T10:00:00.25Z")]
    [InlineData("2026-11-22T10:00Z", "2026-11-22T10:00:00Z")]
    [InlineData("2026-11-22t10:00:00z", "2026-11-22T10:00:00Z")]
    [InlineData("0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z")]
    [InlineData("9998-12-31T23:59:59.999999999Z", "9998-12-31T23:59:59.999999999Z")]
    public void an_instant_is_read_in_utc_or_with_an_offset(string text, string expected)
    {
        TimeInput.TryParseInstant(text, out var instant, out var error).ShouldBeTrue(error);
        NodaTime.Text.InstantPattern.ExtendedIso.Format(instant).ShouldBe(expected);
    }

    [Theory]
    [InlineData("9999-12-31T23:59:59Z", "between 0001-01-01T00:00:00Z and 9998-12-31T23:59:59Z")]
    [InlineData("9999-01-01T00:00:00Z", "between")]
    [InlineData("9999-12-31T23:59:59-05:00", "between")]
    [InlineData("9998-12-31T23:00:00-05:00", "between")]
    [InlineData("-0001-01-01T00:00:00Z", "between")]
    [InlineData("0000-12-31T23:59:59Z", "between")]
    [InlineData("0001-01-01T00:00:00+02:00", "between")]
    [InlineData("2026-11-22", "not a date")]
    [InlineData("2026-11-22T10:00:00", "needs a zone")]
    [InlineData("2026-11-22T10:00", "needs a zone")]
    [InlineData("yesterday", "ISO-8601 instant")]
    [InlineData("", "ISO-8601 instant")]
    [InlineData("10000-01-01T00:00:00Z", "ISO-8601 instant")]
    [InlineData("2026-13-45T00:00:00Z", "ISO-8601 instant")]
    public void an_instant_outside_the_range_or_without_a_zone_is_refused_with_a_reason(string text, string reason)
    {
        TimeInput.TryParseInstant(text, out _, out var error).ShouldBeFalse();
        error.ShouldContain(reason);
    }

    [Fact]
    public void a_plus_that_arrived_as_a_space_in_a_query_is_read_as_a_plus()
    {
        QueryInstant.TryParse("2026-11-22T12:00:00 02:00", out var value).ShouldBeTrue();
        value.Value.ShouldBe(Instant.FromUtc(2026, 11, 22, 10, 0));
    }

    [Theory]
    [InlineData("P7D", 7 * 24 * 60)]
    [InlineData("P2W", 14 * 24 * 60)]
    [InlineData("PT30M", 30)]
    [InlineData("pt12h", 12 * 60)]
    [InlineData("P1DT1H", 25 * 60)]
    [InlineData("PT0S", 0)]
    [InlineData("P3653D", 3653 * 24 * 60)]
    public void a_duration_is_read_in_weeks_days_hours_minutes_and_seconds(string text, long minutes)
    {
        TimeInput.TryParseDuration(text, out var duration, out var error).ShouldBeTrue(error);
        duration.ShouldBe(Duration.FromMinutes(minutes));
    }

    [Theory]
    [InlineData("P999999Y", "months and years")]
    [InlineData("P1M", "months and years")]
    [InlineData("P3654D", "at most ten years")]
    [InlineData("PT99999999999999999H", "at most ten years")]
    [InlineData("PT9223372036854775807S", "at most ten years")]
    [InlineData("P2147483647W", "at most ten years")]
    [InlineData("P-1D", "negative")]
    [InlineData("7 days", "ISO-8601 duration")]
    [InlineData("", "ISO-8601 duration")]
    public void a_duration_that_is_negative_too_long_or_of_no_fixed_length_is_refused(string text, string reason)
    {
        TimeInput.TryParseDuration(text, out _, out var error).ShouldBeFalse();
        error.ShouldContain(reason);
    }

    [Theory]
    [InlineData("0001-01-01", true)]
    [InlineData("9998-12-31", true)]
    [InlineData("9999-12-31", false)]
    [InlineData("-0001-01-01", false)]
    [InlineData("2026-02-30", false)]
    [InlineData("23.11.2026", false)]
    public void a_date_lies_in_the_years_1_to_9998(string text, bool accepted) =>
        TimeInput.TryParseDate(text, out _, out _).ShouldBe(accepted);

    [Fact]
    public void a_window_reaching_back_before_the_year_1_stops_there()
    {
        TimeInput.BackFrom(TimeInput.Earliest + Duration.FromHours(1), Duration.FromDays(90)).ShouldBe(TimeInput.Earliest);
        TimeInput.BackFrom(Instant.FromUtc(2026, 11, 22, 0, 0), Duration.FromDays(1)).ShouldBe(Instant.FromUtc(2026, 11, 21, 0, 0));
    }

    [Fact]
    public void the_latest_instant_plus_the_longest_shift_still_converts_for_postgresql() =>
        (TimeInput.Latest + Duration.FromDays(28)).ToDateTimeUtc().Year.ShouldBe(9999);
}
