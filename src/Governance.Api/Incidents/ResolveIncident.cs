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

/// <summary>Resolve an incident.</summary>
public sealed record ResolveIncident(string? Resolution)
{
    /// <summary>Shape rules.</summary>
    public sealed class Validator : AbstractValidator<ResolveIncident>
    {
        public Validator()
        {
            RuleFor(c => c.Resolution).IsText(5000);
        }
    }

    /// <summary>State rules: the incident exists and is resolved once.</summary>
    public static DomainError? Check(string id, Incident? state) =>
        IncidentTransition.Check(id, state, incident => incident.Status == IncidentStatus.Resolved
            ? DomainError.Conflict($"Incident '{id}' is already resolved.")
            : null);

    /// <summary>The step, on an incident <see cref="Check"/> has let through.</summary>
    public static IReadOnlyList<object> Decide(ResolveIncident command, string id, Incident state, Instant now, Actor actor) =>
        [new IncidentResolved(id, state.Model, command.Resolution, actor.Name, now)];
}

/// <summary>POST /api/v1/incidents/{id}/resolution.</summary>
public static class ResolveIncidentEndpoint
{
    /// <summary>The incident's stream.</summary>
    public static string StreamOf(string id) => Incident.StreamId(id);

    /// <summary>Refuses with problem details before anything is appended.</summary>
    public static ProblemDetails Validate(string id, IEventStream<Folded<Incident>> incident, HttpContext http) =>
        StreamRules.Check(http, incident, (state, _) => ResolveIncident.Check(id, state));

    /// <summary>Resolves the incident.</summary>
    [WolverinePost("/api/v1/incidents/{id}/resolution")]
    public static (IResult, Events) Post(
        ResolveIncident command, string id,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Incident>> incident,
        HttpContext http, IClock clock) =>
        IncidentTransition.Decide(http, incident, clock, nameof(ResolveIncident), id, (state, now, actor) => ResolveIncident.Decide(command, id, state, now, actor));

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain) => IncidentTransition.Configure(chain, nameof(ResolveIncident), "Resolve an incident.");
}
