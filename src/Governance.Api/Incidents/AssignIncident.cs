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

    /// <summary>State rules: the incident exists, and a resolved one is reopened before it is assigned.</summary>
    public static DomainError? Check(string id, Incident? state) =>
        IncidentTransition.Check(id, state, incident => incident.Status == IncidentStatus.Resolved
            ? DomainError.Conflict($"Incident '{id}' is resolved; reopen it first.")
            : null);

    /// <summary>The step, on an incident <see cref="Check"/> has let through.</summary>
    public static IReadOnlyList<object> Decide(AssignIncident command, string id, Incident state, Instant now, Actor actor) =>
        [new IncidentAssigned(id, state.Model, command.Assignee, state.Assignee, actor.Name, now)];
}

/// <summary>POST /api/v1/incidents/{id}/assignment.</summary>
public static class AssignIncidentEndpoint
{
    /// <summary>The incident's stream.</summary>
    public static string StreamOf(string id) => Incident.StreamId(id);

    /// <summary>Refuses with problem details before anything is appended.</summary>
    public static ProblemDetails Validate(string id, IEventStream<Folded<Incident>> incident, HttpContext http) =>
        StreamRules.Check(http, incident, (state, _) => AssignIncident.Check(id, state));

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
