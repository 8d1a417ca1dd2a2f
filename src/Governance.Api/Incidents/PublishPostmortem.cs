using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Validation;
using Governance.Api.Evaluations;
using Governance.EventLog.Streams;
using JasperFx.Events;
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

    /// <summary>Pure decision: a resolved incident gets one postmortem.</summary>
    public static Decision Decide(PublishPostmortem command, string id, Incident? state, Instant now, Actor actor)
    {
        if (state is null)
        {
            return DomainError.NotFound($"No incident '{id}'.");
        }

        if (state.Status != IncidentStatus.Resolved)
        {
            return DomainError.Conflict($"Incident '{id}' is {state.Status.Text()}; resolve it before publishing the postmortem.");
        }

        if (state.Postmortem is not null)
        {
            return DomainError.Conflict($"Incident '{id}' already has a postmortem.");
        }

        return Decision.Accept(new PostmortemPublished(id, state.Model, command.Summary, command.Impact, command.RootCause, command.Trigger,
            command.ActionItems ?? [], command.Lessons ?? "", command.AddSlice, actor.Name, now));
    }

    /// <summary>The response: the incident's new version and, when the postmortem added a slice, the suite's new revision.</summary>
    public sealed record Published(string Id, long Version, string? Suite = null, int? SuiteRevision = null);

    /// <summary>
    /// Pure decision for a postmortem that adds a slice: both must be accepted, or neither is written. A slice that is
    /// already in the suite exactly as asked adds nothing.
    /// </summary>
    public static (Decision Postmortem, Decision Slice) DecideWithSlice(PublishPostmortem command, string id, Incident? incident, Suite? suite, Instant now, Actor actor)
    {
        var postmortem = Decide(command, id, incident, now, actor);
        var add = command.AddSlice!;
        var addSlice = new AddSuiteSlice(add.Suite, add.Name, add.Metric, add.Threshold, id);
        var slice = !postmortem.Accepted ? Decision.Unchanged
            : AddSuiteSlice.Check(addSlice, suite) is { } refused ? Decision.Reject(refused)
            : Decision.Accept([.. AddSuiteSlice.Decide(addSlice, suite!, now, actor)]);
        return (postmortem, slice);
    }
}

/// <summary>POST /api/v1/incidents/{id}/postmortem.</summary>
public static class PublishPostmortemEndpoint
{
    /// <summary>The incident's stream.</summary>
    public static string StreamOf(string id) => Incident.StreamId(id);

    /// <summary>Publishes the postmortem; with a slice, the suite's new revision is written in the same transaction.</summary>
    [WolverinePost("/api/v1/incidents/{id}/postmortem")]
    public static async Task<(IResult, Events)> Post(
        PublishPostmortem command, string id,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Incident>> incident,
        IDocumentSession session, HttpContext http, IClock clock)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(http);
        if (command.AddSlice is not { } add)
        {
            return StreamCommand.Decide(http, incident, clock, nameof(PublishPostmortem),
                (state, now, actor) => PublishPostmortem.Decide(command, id, state, now, actor),
                (_, version) => Results.Ok(new PublishPostmortem.Published(id, version)));
        }

        // Two streams, one transaction: the postmortem and the suite's new revision that cites it (locked like the incident).
        var suite = await session.Events.FetchForExclusiveWriting<Folded<Suite>>(Suite.StreamId(add.Suite), http.RequestAborted);
        var slice = Decision.Unchanged;
        var (result, events) = StreamCommand.Decide(http, incident, clock, nameof(PublishPostmortem),
            (state, now, actor) =>
            {
                (var postmortem, slice) = PublishPostmortem.DecideWithSlice(command, id, state, suite.Aggregate?.State, now, actor);
                return postmortem.Error is null && slice.Error is { } refused ? refused : postmortem;
            },
            (_, version) => Results.Ok(new PublishPostmortem.Published(id, version, add.Suite,
                slice.Events is [SuiteSliceAdded added, ..] ? added.Revision : suite.Aggregate!.State.Current.Revision)));
        if (events.Count > 0 && slice.Events.Count > 0)
        {
            suite.AppendMany(slice.Events);
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
