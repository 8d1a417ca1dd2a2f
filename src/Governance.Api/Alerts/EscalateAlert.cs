using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Validation;
using Governance.Api.Incidents;
using Severity = Governance.Api.Incidents.Severity;
using Governance.EventLog;
using NodaTime;

namespace Governance.Api.Alerts;

/// <summary>Turn an alert into an incident, routed like any other; both streams are written in one transaction.</summary>
public sealed record EscalateAlert(Severity? Severity)
{
    /// <summary>Shape rules.</summary>
    public sealed class Validator : AbstractValidator<EscalateAlert>
    {
        public Validator() => RuleFor(c => c.Severity).NotNull().WithMessage("'Severity' is SEV1, SEV2, SEV3 or SEV4.");
    }

    /// <summary>Pure decision: an unresolved, not yet escalated alert becomes an incident (source: alert).</summary>
    public static (Decision Alert, Decision Incident) Decide(EscalateAlert command, string id, string incidentId, Alert? state, IncidentRoute route, Instant now, Actor actor)
    {
        if (state is null)
        {
            return (DomainError.NotFound($"No alert '{id}'."), default);
        }

        if (state.Status is AlertStatus.Escalated or AlertStatus.Resolved)
        {
            return (DomainError.Conflict($"Alert '{id}' is already {state.Status.ToString().ToLowerInvariant()}" +
                (state.IncidentId is null ? "." : $" (incident {state.IncidentId}).")), default);
        }

        var severity = command.Severity!.Value;
        var opened = Incident.Open(incidentId, state.Model, route.Team ?? state.Team, route.Rotation, severity, state.Summary,
            $"Escalated from alert {id} (rule {state.Rule}, fired {state.Repeats + 1} time(s)).", IncidentSource.Alert, null, null, null, null, id, now, actor.Name);
        return (Decision.Accept(new AlertEscalated(id, state.Rule, state.Model, incidentId, severity, actor.Name, now)), Decision.Accept(opened));
    }

    /// <summary>POST /api/v1/alerts/{id}/escalation.</summary>
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapPost("/alerts/{id}/escalation", async (string id, EscalateAlert command, HttpContext http, IEventStore store, IncidentRouting routing, IClock clock, CancellationToken ct) =>
            {
                var actor = Actor.From(http.User);
                var alert = await store.AggregateStreamAsync<Alert>(Alert.StreamId(id), ct: ct);
                var route = alert is null ? new IncidentRoute(false, null, null) : await routing.RouteAsync(alert.State.Model, ct);
                var incidentId = Incident.NewId();
                var (onAlert, onIncident) = Decide(command, id, incidentId, alert?.State, route, clock.GetCurrentInstant(), actor);
                if (onAlert.Error is { } error)
                {
                    return error.ToResult();
                }

                await store.AppendAsync(
                    [
                        new StreamAppend(Alert.StreamId(id), Alert.StreamType, ExpectedVersion.Exactly(alert!.Version), onAlert.Events),
                        new StreamAppend(Incident.StreamId(incidentId), Incident.StreamType, ExpectedVersion.NoStream, onIncident.Events),
                    ],
                    CommandExecutor.Metadata(http, actor), ct);
                var opened = (IncidentOpened)onIncident.Events[0];
                return Results.Created($"/api/v1/incidents/{incidentId}", new OpenIncident.Opened(incidentId, opened.Assignee, opened.Team, opened.AckDeadline));
            })
            .Validate<EscalateAlert>()
            .RequireRole(Roles.OnCall)
            .WithTags("Alerts").WithName(nameof(EscalateAlert))
            .WithSummary("Escalate an alert to an incident.")
            .Produces<OpenIncident.Opened>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
}
