using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Time;
using Governance.Api.Core.Validation;
using Governance.EventLog.Streams;
using JasperFx.Events;
using Microsoft.AspNetCore.Mvc;
using NodaTime;
using NodaTime.Text;
using Npgsql;
using Wolverine.Http;
using Wolverine.Marten;

namespace Governance.Api.Rotations;

/// <summary>Define a team's rotation: time zone, handoff day and local time, shift length, ordered members, shadows, first day.</summary>
public sealed record DefineRotation(string TimeZone, string HandoffDay, string HandoffTime, string ShiftLength,
    IReadOnlyList<string>? Members, IReadOnlyList<string>? Shadows, string StartsOn, IReadOnlyDictionary<string, string>? AckDeadlines = null)
{
    private static readonly string[] Severities = ["SEV1", "SEV2", "SEV3", "SEV4"];

    private static readonly LocalTimePattern TimePattern = LocalTimePattern.CreateWithInvariantCulture("HH:mm");

    /// <summary>Shape rules: every text field must parse, so a bad one is a 400 on that field.</summary>
    public sealed class Validator : AbstractValidator<DefineRotation>
    {
        public Validator()
        {
            RuleFor(c => c.TimeZone).NotEmpty().Must(z => z is not null && DateTimeZoneProviders.Tzdb.GetZoneOrNull(z) is not null)
                .WithMessage("'Time Zone' must be a TZDB id such as Europe/Berlin.");
            RuleFor(c => c.HandoffDay).NotEmpty().Must(d => ParseDay(d) is not null).WithMessage("'Handoff Day' is a day of the week such as Monday.");
            RuleFor(c => c.HandoffTime).NotEmpty().Must(t => t is not null && TimePattern.Parse(t).Success).WithMessage("'Handoff Time' is a local time such as 10:00.");
            RuleFor(c => c.ShiftLength).NotEmpty().Must(s => ParseShiftDays(s) is not null)
                .WithMessage("'Shift Length' is a whole number of days from P1D to P28D, such as P7D or P14D.");
            RuleFor(c => c.StartsOn).NotEmpty().Must(d => TimeInput.TryParseDate(d, out _, out _))
                .WithMessage("'Starts On' is a date such as 2026-11-23, between 0001-01-01 and 9998-12-31.");
            RuleFor(c => c.Members).NotEmpty().WithMessage("'Members' needs at least one person.")
                .Must(m => m is null || m.Distinct(StringComparer.Ordinal).Count() == m.Count).WithMessage("'Members' must not repeat a person.");
            RuleForEach(c => c.Members).IsPrincipalName();
            RuleForEach(c => c.Shadows).IsPrincipalName();
            RuleFor(c => c.AckDeadlines).Custom((deadlines, context) =>
            {
                foreach (var (severity, deadline) in deadlines ?? new Dictionary<string, string>())
                {
                    if (!Severities.Contains(severity, StringComparer.Ordinal))
                    {
                        context.AddFailure($"AckDeadlines[{(severity.Length > 10 ? severity[..10] + "…" : severity)}]", "Ack deadlines are keyed by SEV1, SEV2, SEV3 or SEV4.");
                    }
                    else if (ParseAckDeadline(deadline) is null)
                    {
                        context.AddFailure($"AckDeadlines[{severity}]", "An ack deadline is an ISO-8601 duration from PT1M to P1D, such as PT10M.");
                    }
                }
            });
        }
    }

    /// <summary>The response.</summary>
    public sealed record Defined(string Team, string TimeZone, string HandoffDay, LocalTime HandoffTime, string ShiftLength,
        IReadOnlyList<string> Members, IReadOnlyList<string> Shadows, LocalDate StartsOn, Instant FirstShiftStart,
        IReadOnlyDictionary<string, string> AckDeadlines);

    /// <summary>
    /// State rules: a rotation can always be (re)defined, overrides kept, as long as every member and shadow is a
    /// principal who can act on what they are paged for (oncall or admin, from <paramref name="people"/>); otherwise 422
    /// naming each of them.
    /// </summary>
    public static DomainError? Check(DefineRotation command, PagerFacts people)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(people);
        return people.Check((command.Members ?? []).Select((m, i) => ($"members[{i}]", m)).Concat((command.Shadows ?? []).Select((s, i) => ($"shadows[{i}]", s))));
    }

    /// <summary>The rotation as defined (<see cref="Check"/> has let it through).</summary>
    public static IReadOnlyList<object> Decide(DefineRotation command, string team, Instant now, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(command);
        return [new RotationDefined(team, command.TimeZone, ParseDay(command.HandoffDay)!.Value,
            TimePattern.Parse(command.HandoffTime).Value, ParseShiftDays(command.ShiftLength)!.Value,
            command.Members ?? [], command.Shadows ?? [], ParseDate(command.StartsOn), actor.Name, now,
            command.AckDeadlines is { Count: > 0 } deadlines
                ? deadlines.ToDictionary(d => d.Key, d => ParseAckDeadline(d.Value)!.Value, StringComparer.Ordinal)
                : null)];
    }

    /// <summary>"PT10M" → 10 minutes; from one minute to one day.</summary>
    public static Duration? ParseAckDeadline(string? text) =>
        TimeInput.TryParseDuration(text, out var duration, out _) && duration >= Duration.FromMinutes(1) && duration <= Duration.FromDays(1)
            ? duration
            : null;

    private static LocalDate ParseDate(string text) => TimeInput.TryParseDate(text, out var date, out _) ? date : throw new ArgumentException("Validated before deciding.", nameof(text));

    /// <summary>"Monday" (any case) as an ISO day.</summary>
    public static IsoDayOfWeek? ParseDay(string? text) =>
        Enum.TryParse<IsoDayOfWeek>(text, ignoreCase: true, out var day) && day != IsoDayOfWeek.None && !int.TryParse(text, out _) ? day : null;

    /// <summary>P7D (or P1W) → 7; only whole days, 1 to 28.</summary>
    public static int? ParseShiftDays(string? text) =>
        TimeInput.TryParseDuration(text, out var duration, out _) && duration.NanosecondOfDay == 0 && duration.Days is >= 1 and <= 28
            ? duration.Days
            : null;
}

/// <summary>PUT /api/v1/teams/{team}/rotation.</summary>
public static class DefineRotationEndpoint
{
    /// <summary>The team's rotation stream.</summary>
    public static string StreamOf(string team) => Rotation.StreamId(team);

    /// <summary>The team is checked before anything is loaded.</summary>
    public static IResult Before(string team) =>
        Rules.Slug().IsMatch(team) ? WolverineContinue.Result() : DomainError.Invalid("team", "'Team' must be a slug.").ToResult();

    /// <summary>Whether the members and shadows can be paged.</summary>
    public static Task<PagerFacts> LoadAsync(DefineRotation command, NpgsqlDataSource db, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        return PagerFacts.ReadAsync(db, [.. command.Members ?? [], .. command.Shadows ?? []], ct);
    }

    /// <summary>Refuses with problem details before anything is appended.</summary>
    public static ProblemDetails Validate(DefineRotation command, PagerFacts people, IEventStream<Folded<Rotation>> rotation, HttpContext http) =>
        StreamRules.Check(http, rotation, (_, _) => DefineRotation.Check(command, people));

    /// <summary>Defines (or redefines) the rotation; overrides already added are kept.</summary>
    [WolverinePut("/api/v1/teams/{team}/rotation")]
    public static (IResult, Events) Put(
        DefineRotation command, string team, PagerFacts people,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Rotation>> rotation,
        HttpContext http, IClock clock) =>
        StreamCommand.Decide(http, rotation, clock, nameof(DefineRotation),
            (_, now, actor) => DefineRotation.Decide(command, team, now, actor),
            defined => Results.Ok(new DefineRotation.Defined(team, defined!.TimeZone, defined.HandoffDay.ToString(), defined.HandoffTime, $"P{defined.ShiftDays}D",
                defined.Members, defined.Shadows, defined.StartsOn, defined.FirstShiftStart,
                (defined.AckDeadlines ?? new Dictionary<string, Duration>()).ToDictionary(
                    d => d.Key, d => PeriodPattern.NormalizingIso.Format(Period.FromSeconds((long)d.Value.TotalSeconds).Normalize()), StringComparer.Ordinal))));

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.Metadata
            .RequireRole(Roles.OnCall)
            .WithTags("Teams").WithName(nameof(DefineRotation))
            .WithSummary("Define the team's on-call rotation; members and shadows must be principals with the oncall (or admin) role (422 names any who are not).")
            .Produces<DefineRotation.Defined>()
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
    }
}
