using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Validation;
using Governance.EventLog.Streams;
using JasperFx.Events;
using Microsoft.AspNetCore.Mvc;
using NodaTime;
using Wolverine.Http;
using Wolverine.Marten;

namespace Governance.Api.Incidents;

/// <summary>Acknowledge an incident: someone has it, so it will not escalate.</summary>
public sealed record AcknowledgeIncident(string? Note)
{
    /// <summary>Shape rules.</summary>
    public sealed class Validator : AbstractValidator<AcknowledgeIncident>
    {
        public Validator()
        {
            RuleFor(c => c.Note).IsText(5000);
        }
    }

    /// <summary>State rules: the incident exists and is open (only an open incident is acknowledged).</summary>
    public static DomainError? Check(string id, Incident? state) =>
        IncidentTransition.Check(id, state, incident => incident.Status != IncidentStatus.Open
            ? DomainError.Conflict($"Incident '{id}' is {incident.Status.Text()}; only an open incident can be acknowledged.")
            : null);

    /// <summary>The step, on an incident <see cref="Check"/> has let through.</summary>
    public static IReadOnlyList<object> Decide(AcknowledgeIncident command, string id, Incident state, Instant now, Actor actor) =>
        [new IncidentAcknowledged(id, state.Model, command.Note, actor.Name, now)];
}

/// <summary>POST /api/v1/incidents/{id}/acknowledgement.</summary>
public static class AcknowledgeIncidentEndpoint
{
    /// <summary>The incident's stream.</summary>
    public static string StreamOf(string id) => Incident.StreamId(id);

    /// <summary>Refuses with problem details before anything is appended.</summary>
    public static ProblemDetails Validate(string id, IEventStream<Folded<Incident>> incident, HttpContext http) =>
        StreamRules.Check(http, incident, (state, _) => AcknowledgeIncident.Check(id, state));

    /// <summary>Acknowledges the incident.</summary>
    [WolverinePost("/api/v1/incidents/{id}/acknowledgement")]
    public static (IResult, Events) Post(
        AcknowledgeIncident command, string id,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Incident>> incident,
        HttpContext http, IClock clock) =>
        IncidentTransition.Decide(http, incident, clock, nameof(AcknowledgeIncident), id, (state, now, actor) => AcknowledgeIncident.Decide(command, id, state, now, actor));

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain) => IncidentTransition.Configure(chain, nameof(AcknowledgeIncident), "Acknowledge an incident.");
}
