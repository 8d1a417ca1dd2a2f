using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Validation;
using Governance.Api.Evaluations;
using Governance.EventLog.Streams;
using JasperFx.Events;
using Microsoft.AspNetCore.Mvc;
using Marten;
using NodaTime;
using Wolverine.Http;
using Wolverine.Marten;

namespace Governance.Api.Incidents;

/// <summary>
/// Publish the postmortem of a resolved incident: summary, impact, root cause, trigger, action items, lessons; optionally a
/// slice to add to an evaluation suite so the failure is tested for from now on (validation sets are dynamic).
/// </summary>
public sealed record PublishPostmortem(string Summary, string Impact, string RootCause, string Trigger, IReadOnlyList<ActionItem>? ActionItems,
    string? Lessons, PostmortemSlice? AddSlice)
{
    /// <summary>The kinds of action items.</summary>
    public static IReadOnlyList<string> ActionItemTypes { get; } = ["prevent", "detect", "mitigate", "process", "other"];

    /// <summary>Shape rules.</summary>
    public sealed class Validator : AbstractValidator<PublishPostmortem>
    {
        public Validator()
        {
            RuleFor(c => c.Summary).NotEmpty().IsText(20_000);
            RuleFor(c => c.Impact).NotEmpty().IsText(20_000);
            RuleFor(c => c.RootCause).NotEmpty().IsText(20_000);
            RuleFor(c => c.Trigger).NotEmpty().IsText(20_000);
            RuleFor(c => c.Lessons).IsText(20_000);
            RuleFor(c => c.ActionItems).Must(a => a is null || a.Count <= 100).WithMessage("At most 100 action items.");
            RuleForEach(c => c.ActionItems).ChildRules(item =>
            {
                item.RuleFor(i => i.Description).NotEmpty().IsText(2000);
                item.RuleFor(i => i.Type).NotEmpty().Must(t => ActionItemTypes.Contains(t))
                    .WithMessage($"'Type' is one of {string.Join(", ", ActionItemTypes)}.");
                item.RuleFor(i => i.Owner).IsSlug();
            });
            RuleFor(c => c.AddSlice!).ChildRules(slice =>
            {
                slice.RuleFor(s => s.Suite).IsSlug();
                slice.RuleFor(s => s.Name).NotEmpty().IsText(100);
                slice.RuleFor(s => s.Metric).NotEmpty().IsText(100);
                slice.RuleFor(s => s.Threshold).NotNull().Must(t => t is null || double.IsFinite(t.Value)).WithMessage("'Threshold' is a finite number.");
            }).When(c => c.AddSlice is not null);
        }
    }

    /// <summary>State rules: a resolved incident gets one postmortem.</summary>
    public static DomainError? Check(string id, Incident? state)
    {
        if (state is null)
        {
            return DomainError.NotFound($"No incident '{id}'.");
        }

        if (state.Status != IncidentStatus.Resolved)
        {
            return DomainError.Conflict($"Incident '{id}' is {state.Status.Text()}; resolve it before publishing the postmortem.");
        }

        return state.Postmortem is not null ? DomainError.Conflict($"Incident '{id}' already has a postmortem.") : null;
    }

    /// <summary>The postmortem, on an incident <see cref="Check"/> has let through.</summary>
    public static IReadOnlyList<object> Decide(PublishPostmortem command, string id, Incident state, Instant now, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(state);
        return [new PostmortemPublished(id, state.Model, command.Summary, command.Impact, command.RootCause, command.Trigger,
            command.ActionItems ?? [], command.Lessons ?? "", command.AddSlice, actor.Name, now)];
    }

    /// <summary>The response: the incident's new version and, when the postmortem added a slice, the suite's new revision.</summary>
    public sealed record Published(string Id, long Version, string? Suite = null, int? SuiteRevision = null);

    /// <summary>
    /// State rules for a postmortem that adds a slice: both must be accepted, or neither is written, so the postmortem's
    /// rules come first and then the suite's.
    /// </summary>
    public static DomainError? CheckWithSlice(PublishPostmortem command, string id, Incident? incident, Suite? suite)
    {
        ArgumentNullException.ThrowIfNull(command);
        return Check(id, incident) ?? AddSuiteSlice.Check(SliceOf(command, id), suite);
    }

    /// <summary>The suite's new revision with the slice; none when the slice is already in the suite exactly as asked.</summary>
    public static IReadOnlyList<object> DecideSlice(PublishPostmortem command, string id, Suite suite, Instant now, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(command);
        return AddSuiteSlice.Decide(SliceOf(command, id), suite, now, actor);
    }

    private static AddSuiteSlice SliceOf(PublishPostmortem command, string id)
    {
        var add = command.AddSlice ?? throw new ArgumentException("The postmortem adds no slice.", nameof(command));
        return new AddSuiteSlice(add.Suite, add.Name, add.Metric, add.Threshold, id);
    }
}

/// <summary>POST /api/v1/incidents/{id}/postmortem.</summary>
public static class PublishPostmortemEndpoint
{
    /// <summary>The incident's stream.</summary>
    public static string StreamOf(string id) => Incident.StreamId(id);

    /// <summary>The suite a postmortem adds a slice to, locked like the incident (none without a slice).</summary>
    public sealed record SliceSuite(IEventStream<Folded<Suite>>? Stream);

    /// <summary>
    /// Locks the suite the postmortem adds a slice to. It takes the incident's stream so the incident is always locked
    /// first: two postmortems on one suite then queue instead of deadlocking.
    /// </summary>
    public static async Task<SliceSuite> LoadAsync(PublishPostmortem command, IEventStream<Folded<Incident>> incident, IDocumentSession session, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(incident);
        ArgumentNullException.ThrowIfNull(session);
        return command.AddSlice is { } add
            ? new SliceSuite(await session.Events.FetchForExclusiveWriting<Folded<Suite>>(Suite.StreamId(add.Suite), ct))
            : new SliceSuite(null);
    }

    /// <summary>Refuses with problem details before anything is appended.</summary>
    public static ProblemDetails Validate(PublishPostmortem command, string id, SliceSuite suite, IEventStream<Folded<Incident>> incident, HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(suite);
        return StreamRules.Check(http, incident, (state, _) => command.AddSlice is null
            ? PublishPostmortem.Check(id, state)
            : PublishPostmortem.CheckWithSlice(command, id, state, suite.Stream?.Aggregate?.State));
    }

    /// <summary>Publishes the postmortem; with a slice, the suite's new revision is written in the same transaction.</summary>
    [WolverinePost("/api/v1/incidents/{id}/postmortem")]
    public static (IResult, Events) Post(
        PublishPostmortem command, string id, SliceSuite suite,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Incident>> incident,
        HttpContext http, IClock clock)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(suite);
        if (command.AddSlice is not { } add || suite.Stream is not { } suiteStream)
        {
            return StreamCommand.Decide(http, incident, clock, nameof(PublishPostmortem),
                (state, now, actor) => PublishPostmortem.Decide(command, id, state!, now, actor),
                (_, version) => Results.Ok(new PublishPostmortem.Published(id, version)));
        }

        // Two streams, one transaction: the postmortem and the suite's new revision that cites it.
        var current = suiteStream.Aggregate!.State;
        IReadOnlyList<object> slice = [];
        var (result, events) = StreamCommand.Decide(http, incident, clock, nameof(PublishPostmortem),
            (state, now, actor) =>
            {
                slice = PublishPostmortem.DecideSlice(command, id, current, now, actor);
                return PublishPostmortem.Decide(command, id, state!, now, actor);
            },
            (_, version) => Results.Ok(new PublishPostmortem.Published(id, version, add.Suite,
                slice is [SuiteSliceAdded added, ..] ? added.Revision : current.Current.Revision)));
        if (slice.Count > 0)
        {
            suiteStream.AppendMany(slice);
        }

        return (result, events);
    }

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.Metadata
            .RequireRole(Roles.OnCall)
            .WithTags("Incidents").WithName(nameof(PublishPostmortem))
            .WithSummary("Publish the postmortem of a resolved incident, optionally adding a slice to an evaluation suite.")
            .Produces<PublishPostmortem.Published>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
    }
}
