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

/// <summary>Hand an incident to someone.</summary>
public sealed record AssignIncident(string Assignee)
{
    /// <summary>Shape rules.</summary>
    public sealed class Validator : AbstractValidator<AssignIncident>
    {
        public Validator()
        {
            RuleFor(c => c.Assignee).IsSlug();
        }
    }

    /// <summary>Pure decision.</summary>
    public static Decision Decide(AssignIncident command, string id, Incident? state, Instant now, Actor actor)
    {
        if (state is null)
        {
            return DomainError.NotFound($"No incident '{id}'.");
        }

        if (state.Status == IncidentStatus.Resolved)
        {
            return DomainError.Conflict($"Incident '{id}' is resolved; reopen it first.");
        }

        return Decision.Accept(new IncidentAssigned(id, state.Model, command.Assignee, state.Assignee, actor.Name, now));
    }
}

/// <summary>POST /api/v1/incidents/{id}/assignment.</summary>
public static class AssignIncidentEndpoint
{
    /// <summary>The incident's stream.</summary>
    public static string StreamOf(string id) => Incident.StreamId(id);

    /// <summary>Hands the incident to someone.</summary>
    [WolverinePost("/api/v1/incidents/{id}/assignment")]
    public static (IResult, Events) Post(
        AssignIncident command, string id,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Incident>> incident,
        HttpContext http, IClock clock) =>
        IncidentTransition.Decide(http, incident, clock, nameof(AssignIncident), id, (state, now, actor) => AssignIncident.Decide(command, id, state, now, actor));

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain) => IncidentTransition.Configure(chain, nameof(AssignIncident), "Assign an incident to someone.");
}
