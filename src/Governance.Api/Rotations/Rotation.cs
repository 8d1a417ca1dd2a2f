using Governance.EventLog;
using NodaTime;

namespace Governance.Api.Rotations;

/// <summary>
/// A team's on-call rotation was defined (or redefined): shifts hand off at a local day and time in a real time zone.
/// <paramref name="AckDeadlines"/> is the team's escalation policy: how long an incident of a severity ("SEV1") may stay
/// unacknowledged before it goes to the secondary; severities it does not name keep the defaults (absent in events
/// written before teams could set it).
/// </summary>
public sealed record RotationDefined(
    string Team, string TimeZone, IsoDayOfWeek HandoffDay, LocalTime HandoffTime, int ShiftDays,
    IReadOnlyList<string> Members, IReadOnlyList<string> Shadows, LocalDate StartsOn, string DefinedBy, Instant DefinedAt,
    IReadOnlyDictionary<string, Duration>? AckDeadlines = null);

/// <summary>Someone covers the primary's pager for a span (a swap, a holiday).</summary>
public sealed record RotationOverrideAdded(string Team, string Member, Instant From, Instant To, string AddedBy, Instant AddedAt);

/// <summary>An override as kept in the rotation's state.</summary>
public sealed record RotationOverride(string Member, Instant From, Instant To);

/// <summary>Who is on call at an instant, and the shift that instant falls in.</summary>
public sealed record OnCall(string Primary, string? Secondary, string? Shadow, Instant ShiftStart, Instant ShiftEnd, RotationOverride? Override);

/// <summary>The state of a rotation stream.</summary>
public sealed record Rotation(
    string Team, string TimeZone, IsoDayOfWeek HandoffDay, LocalTime HandoffTime, int ShiftDays,
    IReadOnlyList<string> Members, IReadOnlyList<string> Shadows, LocalDate StartsOn, IReadOnlyList<RotationOverride> Overrides,
    IReadOnlyDictionary<string, Duration>? AckDeadlines = null) : IStreamState<Rotation>
{
    /// <summary>The stream type.</summary>
    public const string StreamType = "rotation";

    /// <summary>The stream id of a team's rotation.</summary>
    public static string StreamId(string team) => $"rotation-{team}";

    /// <inheritdoc />
    public static Rotation Initial { get; } = new("", "UTC", IsoDayOfWeek.Monday, LocalTime.Midnight, 7, [], [], default, []);

    /// <inheritdoc />
    public Rotation Evolve(StoredEvent @event) => @event.Data switch
    {
        RotationDefined d => new Rotation(d.Team, d.TimeZone, d.HandoffDay, d.HandoffTime, d.ShiftDays, d.Members, d.Shadows, d.StartsOn, Overrides,
            d.AckDeadlines),
        RotationOverrideAdded o => this with { Overrides = [.. Overrides, new RotationOverride(o.Member, o.From, o.To)] },
        _ => this,
    };

    /// <summary>Registers the stream's events.</summary>
    public static void RegisterEvents(EventTypeRegistry registry) =>
        registry.Register<RotationDefined>().Register<RotationOverrideAdded>();

    /// <summary>
    /// The people on the rotation who can be paged now (hold oncall or admin), when the reader looked; null: everyone.
    /// Roles can be taken away after the rotation was defined, and a page to someone who cannot act is a page nobody answers.
    /// </summary>
    public IReadOnlySet<string>? Pageable { get; init; }

    /// <summary>Every person the rotation names: members, shadows and those covering in overrides.</summary>
    public IEnumerable<string> People => Members.Concat(Shadows).Concat(Overrides.Select(o => o.Member)).Distinct(StringComparer.Ordinal);

    /// <summary>This rotation with <see cref="Pageable"/> taken from <paramref name="people"/>.</summary>
    public Rotation WithPagerFacts(PagerFacts people) => this with { Pageable = People.Where(people.CanBePaged).ToHashSet(StringComparer.Ordinal) };

    /// <summary>The team's acknowledgement deadline for a severity ("SEV1"), when its escalation policy sets one.</summary>
    public Duration? AckDeadline(string severity) => AckDeadlines is { } set && set.TryGetValue(severity, out var deadline) ? deadline : null;

    /// <summary>The instant the first shift starts: the first handoff day on or after <see cref="StartsOn"/>, at the handoff time.</summary>
    public Instant FirstShiftStart => ShiftStart(0);

    /// <summary>
    /// Who is on call at <paramref name="at"/>; null before the first shift. Shift boundaries are local wall-clock
    /// times, so a week that contains a daylight-saving change is an hour shorter or longer in real time.
    /// </summary>
    public OnCall? At(Instant at)
    {
        if (Members.Count == 0 || at < FirstShiftStart)
        {
            return null;
        }

        var zone = Zone;
        var local = at.InZone(zone).LocalDateTime;
        var days = Period.Between(FirstShiftDate, local.Date, PeriodUnits.Days).Days;
        var index = days / ShiftDays;

        // The local date alone can put us one shift too far on the handoff day itself (before the handoff time).
        while (index > 0 && at < ShiftStart(index))
        {
            index--;
        }

        while (at >= ShiftStart(index + 1))
        {
            index++;
        }

        // Someone who can no longer be paged is passed over for the next member in rotation order (and so for shadows);
        // without Pageable this is the plain schedule: the shift's member, the next one as secondary.
        var members = Enumerable.Range(0, Members.Count).Select(k => Members[(index + k) % Members.Count]).Where(CanBePaged).ToList();
        var primary = members.Count > 0 ? members[0] : null;
        var secondary = members.Count > 1 ? members[1] : null;
        var shadow = Enumerable.Range(0, Shadows.Count).Select(k => Shadows[(index + k) % Shadows.Count]).FirstOrDefault(CanBePaged);

        // The most recently added override covering the instant wins.
        var cover = Overrides.LastOrDefault(o => o.From <= at && at < o.To && CanBePaged(o.Member));
        if (cover is not null && cover.Member != primary)
        {
            secondary = secondary == cover.Member || secondary is null ? primary : secondary;
            primary = cover.Member;
        }

        if (primary is null)
        {
            return null;
        }

        return new OnCall(primary, secondary, shadow, ShiftStart(index), ShiftStart(index + 1), cover);
    }

    private bool CanBePaged(string name) => Pageable is null || Pageable.Contains(name);

    private DateTimeZone Zone => DateTimeZoneProviders.Tzdb.GetZoneOrNull(TimeZone) ?? DateTimeZone.Utc;

    private LocalDate FirstShiftDate => StartsOn.With(DateAdjusters.NextOrSame(HandoffDay));

    // A handoff time that falls in a spring-forward gap moves forward by the gap; in an autumn overlap it is the earlier one.
    private Instant ShiftStart(int index) => FirstShiftDate.PlusDays(index * ShiftDays).At(HandoffTime).InZoneLeniently(Zone).ToInstant();
}
