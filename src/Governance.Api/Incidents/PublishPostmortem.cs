using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Validation;
using Governance.Api.Evaluations;
using Governance.EventLog;
using NodaTime;

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
        var slice = postmortem.Accepted
            ? AddSuiteSlice.Decide(new AddSuiteSlice(add.Suite, add.Name, add.Metric, add.Threshold, id), suite, now, actor)
            : Decision.Unchanged;
        return (postmortem, slice);
    }

    /// <summary>POST /api/v1/incidents/{id}/postmortem.</summary>
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapPost("/incidents/{id}/postmortem", async (string id, PublishPostmortem command, HttpContext http, CommandExecutor executor, IEventStore store,
                IClock clock, CancellationToken ct) =>
            {
                if (command.AddSlice is null)
                {
                    var outcome = await executor.ExecuteAsync<Incident>(http, nameof(PublishPostmortem), Incident.StreamId(id), Incident.StreamType,
                        (state, now, actor) => Decide(command, id, state, now, actor), ct);
                    return outcome.Succeeded ? Results.Ok(new Published(id, outcome.Version)) : outcome.Error!.ToResult();
                }

                // Two streams, one transaction: the postmortem and the suite's new revision that cites it.
                var actor = Actor.From(http.User);
                var incident = await store.AggregateStreamAsync<Incident>(Incident.StreamId(id), ct: ct);
                var suiteStream = Suite.StreamId(command.AddSlice.Suite);
                var suite = await store.AggregateStreamAsync<Suite>(suiteStream, ct: ct);
                var (postmortem, slice) = DecideWithSlice(command, id, incident?.State, suite?.State, clock.GetCurrentInstant(), actor);
                if ((postmortem.Error ?? slice.Error) is { } error)
                {
                    return error.ToResult();
                }

                var appends = new List<StreamAppend> { new(Incident.StreamId(id), Incident.StreamType, ExpectedVersion.Exactly(incident!.Version), postmortem.Events) };
                if (slice.Events.Count > 0)
                {
                    appends.Add(new StreamAppend(suiteStream, Suite.StreamType, ExpectedVersion.Exactly(suite!.Version), slice.Events));
                }

                var appended = await store.AppendAsync(appends, CommandExecutor.Metadata(http, actor), ct);
                var version = appended.VersionOf(Incident.StreamId(id));
                http.Response.Headers.ETag = $"\"{version}\"";
                var revision = slice.Events.Count > 0 ? ((SuiteSliceAdded)slice.Events[0]).Revision : suite!.State.Current.Revision;
                return Results.Ok(new Published(id, version, command.AddSlice.Suite, revision));
            })
            .Validate<PublishPostmortem>()
            .RequireRole(Roles.OnCall)
            .WithTags("Incidents").WithName(nameof(PublishPostmortem))
            .WithSummary("Publish the postmortem of a resolved incident, optionally adding a slice to an evaluation suite.")
            .Produces<Published>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
}
