using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Validation;
using Governance.Api.Incidents;
using Severity = Governance.Api.Incidents.Severity;
using Governance.EventLog.Streams;
using JasperFx.Events;
using Microsoft.AspNetCore.Mvc;
using Marten;
using NodaTime;
using Wolverine;
using Wolverine.Http;
using Wolverine.Marten;

namespace Governance.Api.Alerts;

/// <summary>Turn an alert into an incident, routed like any other; both streams are written in one transaction.</summary>
public sealed record EscalateAlert(Severity? Severity)
{
    /// <summary>Shape rules.</summary>
    public sealed class Validator : AbstractValidator<EscalateAlert>
    {
        public Validator() => RuleFor(c => c.Severity).NotNull().WithMessage("'Severity' is SEV1, SEV2, SEV3 or SEV4.");
    }

    /// <summary>State rules: only an unresolved alert not yet escalated becomes an incident.</summary>
    public static DomainError? Check(string id, Alert? state)
    {
        if (state is null)
        {
            return DomainError.NotFound($"No alert '{id}'.");
        }

        return state.Status is AlertStatus.Escalated or AlertStatus.Resolved
            ? DomainError.Conflict($"Alert '{id}' is already {state.Status.ToString().ToLowerInvariant()}" +
                (state.IncidentId is null ? "." : $" (incident {state.IncidentId})."))
            : null;
    }

    /// <summary>The alert's escalation and the incident it opens (source: alert), on an alert <see cref="Check"/> has let through.</summary>
    public static (IReadOnlyList<object> Alert, IReadOnlyList<object> Incident) Decide(
        EscalateAlert command, string id, string incidentId, Alert state, IncidentRoute route, Instant now, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(route);
        var severity = command.Severity!.Value;
        var opened = Incident.Open(incidentId, state.Model, route.Team ?? state.Team, route.Rotation, severity, state.Summary,
            $"Escalated from alert {id} (rule {state.Rule}, fired {state.Repeats + 1} time(s)).", IncidentSource.Alert, null, null, null, null, id, now, actor.Name);
        return ([new AlertEscalated(id, state.Rule, state.Model, incidentId, severity, actor.Name, now)], [opened]);
    }
}

/// <summary>POST /api/v1/alerts/{id}/escalation.</summary>
public static class EscalateAlertEndpoint
{
    /// <summary>The incident the alert becomes: the id the server gives it and where it is routed.</summary>
    public sealed record Target(string IncidentId, IncidentRoute Route);

    /// <summary>The alert's stream.</summary>
    public static string StreamOf(string id) => Alert.StreamId(id);

    /// <summary>Routes the incident like any other on the alert's model.</summary>
    public static async Task<Target> LoadAsync(IEventStream<Folded<Alert>> alert, IncidentRouting routing, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(alert);
        ArgumentNullException.ThrowIfNull(routing);
        var route = alert.Aggregate is { } found ? await routing.RouteAsync(found.State.Model, ct) : new IncidentRoute(false, null, null);
        return new Target(Incident.NewId(), route);
    }

    /// <summary>Refuses with problem details before anything is appended.</summary>
    public static ProblemDetails Validate(string id, IEventStream<Folded<Alert>> alert, HttpContext http) =>
        StreamRules.Check(http, alert, (state, _) => EscalateAlert.Check(id, state));

    /// <summary>Escalates the alert and starts the incident's stream (and its ack-deadline timer), in one transaction.</summary>
    [WolverinePost("/api/v1/alerts/{id}/escalation")]
    public static (IResult, Events, OutgoingMessages) Post(
        EscalateAlert command, string id, Target target,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Alert>> alert,
        IDocumentSession session, HttpContext http, IClock clock)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(session);
        IReadOnlyList<object> onIncident = [];
        var (result, events) = StreamCommand.Decide(http, alert, clock, nameof(EscalateAlert),
            (state, now, actor) =>
            {
                (var onAlert, onIncident) = EscalateAlert.Decide(command, id, target.IncidentId, state!, target.Route, now, actor);
                return onAlert;
            },
            _ =>
            {
                var opened = (IncidentOpened)onIncident[0];
                return Results.Created($"/api/v1/incidents/{target.IncidentId}", new OpenIncident.Opened(target.IncidentId, opened.Assignee, opened.Team, opened.AckDeadline));
            });
        session.Events.StartStream<Folded<Incident>>(Incident.StreamId(target.IncidentId), [.. onIncident]);

        // The incident's ack-deadline timer commits with both streams.
        return (result, events, EscalateIncident.TimersFor(onIncident));
    }

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.Metadata
            .RequireRole(Roles.OnCall)
            .WithTags("Alerts").WithName(nameof(EscalateAlert))
            .WithSummary("Escalate an alert to an incident.")
            .Produces<OpenIncident.Opened>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
    }
}
