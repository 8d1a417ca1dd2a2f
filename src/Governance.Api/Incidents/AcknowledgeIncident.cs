using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Validation;
using Governance.EventLog.Streams;
using JasperFx.Events;
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

    /// <summary>Pure decision.</summary>
    public static Decision Decide(AcknowledgeIncident command, string id, Incident? state, Instant now, Actor actor)
    {
        if (state is null)
        {
            return DomainError.NotFound($"No incident '{id}'.");
        }

        if (state.Status != IncidentStatus.Open)
        {
            return DomainError.Conflict($"Incident '{id}' is {state.Status.Text()}; only an open incident can be acknowledged.");
        }

        return Decision.Accept(new IncidentAcknowledged(id, state.Model, command.Note, actor.Name, now));
    }
}

/// <summary>POST /api/v1/incidents/{id}/acknowledgement.</summary>
public static class AcknowledgeIncidentEndpoint
{
    /// <summary>The incident's stream.</summary>
    public static string StreamOf(string id) => Incident.StreamId(id);

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
