using Governance.Api.Rotations;
using NodaTime;
using NodaTime.Text;

namespace Governance.Api.Tests.Operations;

/// <summary>Rotation math, table-driven: local handoffs across daylight-saving changes in two zones, overrides.</summary>
public sealed class RotationMathTests
{
    private static readonly Rotation Berlin = new("ml-berlin", "Europe/Berlin", IsoDayOfWeek.Monday, new LocalTime(10, 0), 7,
        ["ana", "ben", "cem"], ["dan"], new LocalDate(2026, 3, 16), []);

    // Handoff at 02:30 on a Sunday: on 2026-03-08 that local time does not exist in New York.
    private static readonly Rotation NewYorkGap = new("ml-nyc", "America/New_York", IsoDayOfWeek.Sunday, new LocalTime(2, 30), 7,
        ["ann", "bob"], [], new LocalDate(2026, 3, 1), []);

    private static readonly Rotation NewYorkFortnight = new("ml-nyc", "America/New_York", IsoDayOfWeek.Monday, new LocalTime(9, 0), 14,
        ["ann", "bob", "cat"], ["sid", "tom"], new LocalDate(2026, 10, 14), []);

    public static TheoryData<string, string, string, string?, string?, string, string> Cases => new()
    {
        // rotation, at, primary, secondary, shadow, shift start, shift end
        { "berlin", "2026-03-16T09:00:00Z", "ana", "ben", "dan", "2026-03-16T09:00:00Z", "2026-03-23T09:00:00Z" },
        { "berlin", "2026-03-29T12:00:00Z", "ben", "cem", "dan", "2026-03-23T09:00:00Z", "2026-03-30T08:00:00Z" },
        { "berlin", "2026-03-30T07:59:00Z", "ben", "cem", "dan", "2026-03-23T09:00:00Z", "2026-03-30T08:00:00Z" },
        { "berlin", "2026-03-30T08:00:00Z", "cem", "ana", "dan", "2026-03-30T08:00:00Z", "2026-04-06T08:00:00Z" },
        { "berlin", "2026-10-26T08:30:00Z", "ben", "cem", "dan", "2026-10-19T08:00:00Z", "2026-10-26T09:00:00Z" },
        { "berlin", "2026-10-26T09:00:00Z", "cem", "ana", "dan", "2026-10-26T09:00:00Z", "2026-11-02T09:00:00Z" },
        { "nyc-gap", "2026-03-08T07:29:00Z", "ann", "bob", null, "2026-03-01T07:30:00Z", "2026-03-08T07:30:00Z" },
        { "nyc-gap", "2026-03-08T07:30:00Z", "bob", "ann", null, "2026-03-08T07:30:00Z", "2026-03-15T06:30:00Z" },
        { "nyc-gap", "2026-03-15T06:30:00Z", "ann", "bob", null, "2026-03-15T06:30:00Z", "2026-03-22T06:30:00Z" },
        { "nyc-fortnight", "2026-11-02T13:30:00Z", "ann", "bob", "sid", "2026-10-19T13:00:00Z", "2026-11-02T14:00:00Z" },
        { "nyc-fortnight", "2026-11-02T14:00:00Z", "bob", "cat", "tom", "2026-11-02T14:00:00Z", "2026-11-16T14:00:00Z" },
        { "nyc-fortnight", "2026-11-16T14:00:00Z", "cat", "ann", "sid", "2026-11-16T14:00:00Z", "2026-11-30T14:00:00Z" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void the_shift_is_found_by_local_handoff_time(string rotation, string at, string primary, string? secondary, string? shadow, string start, string end)
    {
        var onCall = Pick(rotation).At(I(at)).ShouldNotBeNull();
        onCall.Primary.ShouldBe(primary);
        onCall.Secondary.ShouldBe(secondary);
        onCall.Shadow.ShouldBe(shadow);
        onCall.ShiftStart.ShouldBe(I(start));
        onCall.ShiftEnd.ShouldBe(I(end));
    }

    [Fact]
    public void nobody_is_on_call_before_the_first_shift()
    {
        Berlin.At(I("2026-03-16T08:59:00Z")).ShouldBeNull();
        Berlin.FirstShiftStart.ShouldBe(I("2026-03-16T09:00:00Z"));
    }

    [Fact]
    public void the_first_shift_starts_on_the_first_handoff_day_on_or_after_the_start_date()
    {
        var fromWednesday = Berlin with { StartsOn = new LocalDate(2026, 3, 18) };
        fromWednesday.FirstShiftStart.ShouldBe(I("2026-03-23T09:00:00Z"));
    }

    [Theory]
    [InlineData("eve", "2026-03-25T12:00:00Z", "eve", "cem")]
    [InlineData("cem", "2026-03-25T12:00:00Z", "cem", "ben")]
    [InlineData("eve", "2026-03-26T00:00:00Z", "ben", "cem")]
    [InlineData("eve", "2026-03-24T23:59:59Z", "ben", "cem")]
    public void an_override_takes_the_primary_for_its_span_only(string member, string at, string primary, string secondary)
    {
        var rotation = Berlin with { Overrides = [new RotationOverride(member, I("2026-03-25T00:00:00Z"), I("2026-03-26T00:00:00Z"))] };
        var onCall = rotation.At(I(at)).ShouldNotBeNull();
        onCall.Primary.ShouldBe(primary);
        onCall.Secondary.ShouldBe(secondary);
        onCall.ShiftStart.ShouldBe(I("2026-03-23T09:00:00Z"));
    }

    [Fact]
    public void the_latest_override_wins_where_two_overlap()
    {
        var rotation = Berlin with
        {
            Overrides = [new RotationOverride("eve", I("2026-03-25T00:00:00Z"), I("2026-03-27T00:00:00Z")), new RotationOverride("fay", I("2026-03-26T00:00:00Z"), I("2026-03-26T12:00:00Z"))],
        };
        rotation.At(I("2026-03-26T06:00:00Z"))!.Primary.ShouldBe("fay");
        rotation.At(I("2026-03-26T13:00:00Z"))!.Primary.ShouldBe("eve");
    }

    [Theory]
    [InlineData("P7D", 7)]
    [InlineData("P14D", 14)]
    [InlineData("P2W", 14)]
    [InlineData("P1D", 1)]
    [InlineData("P29D", null)]
    [InlineData("PT12H", null)]
    [InlineData("P1M", null)]
    [InlineData("seven", null)]
    public void shift_lengths_are_whole_days(string text, int? days) => DefineRotation.ParseShiftDays(text).ShouldBe(days);

    private static Rotation Pick(string name) => name switch
    {
        "berlin" => Berlin,
        "nyc-gap" => NewYorkGap,
        _ => NewYorkFortnight,
    };

    private static Instant I(string text) => InstantPattern.ExtendedIso.Parse(text).Value;
}
