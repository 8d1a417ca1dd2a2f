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

    /// <summary>Pure decision.</summary>
    public static Decision Decide(ResolveIncident command, string id, Incident? state, Instant now, Actor actor)
    {
        if (state is null)
        {
            return DomainError.NotFound($"No incident '{id}'.");
        }

        if (state.Status == IncidentStatus.Resolved)
        {
            return DomainError.Conflict($"Incident '{id}' is already resolved.");
        }

        return Decision.Accept(new IncidentResolved(id, state.Model, command.Resolution, actor.Name, now));
    }
}

/// <summary>POST /api/v1/incidents/{id}/resolution.</summary>
public static class ResolveIncidentEndpoint
{
    /// <summary>The incident's stream.</summary>
    public static string StreamOf(string id) => Incident.StreamId(id);

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
