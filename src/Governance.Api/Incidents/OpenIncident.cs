using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Validation;
using Governance.EventLog.Streams;
using JasperFx.Events;
using Microsoft.AspNetCore.Mvc;
using NodaTime;
using Wolverine;
using Wolverine.Http;
using Wolverine.Marten;

namespace Governance.Api.Incidents;

/// <summary>Open an incident on a model; it goes to the owning team's primary on call right now.</summary>
public sealed record OpenIncident(string Model, string? Stage, string? Version, Severity? Severity, string Title, string? Description,
    IncidentSource? Source, IncidentCategory? Category)
{
    /// <summary>Shape rules.</summary>
    public sealed class Validator : AbstractValidator<OpenIncident>
    {
        public Validator()
        {
            RuleFor(c => c.Model).IsSlug();
            RuleFor(c => c.Stage!).IsSlug().When(c => c.Stage is not null);
            RuleFor(c => c.Version!).IsLabel().When(c => c.Version is not null);
            RuleFor(c => c.Severity).NotNull().WithMessage("'Severity' is SEV1, SEV2, SEV3 or SEV4.");
            RuleFor(c => c.Title).NotEmpty().IsText(300);
            RuleFor(c => c.Description).IsText(20_000);
            RuleFor(c => c.Source).NotNull().WithMessage("'Source' is user-report, alert, slo-breach, pipeline-failure or data-quality.");
        }
    }

    /// <summary>The response.</summary>
    public sealed record Opened(string Id, string? Assignee, string? Team, Instant? AckDeadline);

    /// <summary>State rules: the incident is new and the model exists.</summary>
    public static DomainError? Check(OpenIncident command, string id, IncidentRoute route, Incident? state)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(route);
        if (state is not null)
        {
            return DomainError.Conflict($"Incident '{id}' already exists.");
        }

        return route.ModelExists ? null : DomainError.Unprocessable($"No model '{command.Model}'.", "model");
    }

    /// <summary>The incident, routed to the primary on call at <paramref name="now"/>.</summary>
    public static IReadOnlyList<object> Decide(OpenIncident command, string id, IncidentRoute route, Instant now, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(route);
        return [Incident.Open(id, command.Model, route.Team, route.Rotation, command.Severity!.Value, command.Title,
            command.Description ?? "", command.Source!.Value, command.Category, command.Stage, command.Version, null, null, now, actor.Name)];
    }
}

/// <summary>POST /api/v1/incidents.</summary>
public static class OpenIncidentEndpoint
{
    /// <summary>The new incident: the id the server gives it and where it is routed.</summary>
    public sealed record Target(string Id, IncidentRoute Route);

    /// <summary>Names the incident and looks up the model's team and rotation.</summary>
    public static async Task<Target> LoadAsync(OpenIncident command, IncidentRouting routing, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(routing);
        return new Target(Incident.NewId(), await routing.RouteAsync(command.Model, ct));
    }

    /// <summary>The new incident's stream.</summary>
    public static string StreamOf(Target target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return Incident.StreamId(target.Id);
    }

    /// <summary>Refuses with problem details before anything is appended.</summary>
    public static ProblemDetails Validate(OpenIncident command, Target target, IEventStream<Folded<Incident>> incident, HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(target);
        return StreamRules.Check(http, incident, (state, _) => OpenIncident.Check(command, target.Id, target.Route, state));
    }

    /// <summary>Opens the incident, starting its stream; its ack-deadline timer commits with it.</summary>
    [WolverinePost("/api/v1/incidents")]
    public static (IResult, Events, OutgoingMessages) Post(
        OpenIncident command, Target target,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Incident>> incident,
        HttpContext http, IClock clock)
    {
        ArgumentNullException.ThrowIfNull(target);
        var (result, events) = StreamCommand.Decide(http, incident, clock, nameof(OpenIncident),
            (_, now, actor) => OpenIncident.Decide(command, target.Id, target.Route, now, actor),
            opened => Results.Created($"/api/v1/incidents/{target.Id}", new OpenIncident.Opened(target.Id, opened!.Assignee, opened.Team, opened.AckDeadline)));
        return (result, events, EscalateIncident.TimersFor(events));
    }

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.Metadata
            .RequireRole(Roles.Contributor)
            .WithTags("Incidents").WithName(nameof(OpenIncident))
            .WithSummary("Open an incident; it is routed to the owning team's primary on call.")
            .Produces<OpenIncident.Opened>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
    }
}
