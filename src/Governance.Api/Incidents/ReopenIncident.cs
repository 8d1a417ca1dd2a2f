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

/// <summary>Reopen a resolved incident: it came back. It needs acknowledging again.</summary>
public sealed record ReopenIncident(string Reason)
{
    /// <summary>Shape rules.</summary>
    public sealed class Validator : AbstractValidator<ReopenIncident>
    {
        public Validator()
        {
            RuleFor(c => c.Reason).NotEmpty().IsText(5000);
        }
    }

    /// <summary>State rules: the incident exists and is resolved (only a resolved incident is reopened).</summary>
    public static DomainError? Check(string id, Incident? state) =>
        IncidentTransition.Check(id, state, incident => incident.Status != IncidentStatus.Resolved
            ? DomainError.Conflict($"Incident '{id}' is {incident.Status.Text()}; only a resolved incident can be reopened.")
            : null);

    /// <summary>The step, on an incident <see cref="Check"/> has let through.</summary>
    public static IReadOnlyList<object> Decide(ReopenIncident command, string id, Incident state, Instant now, Actor actor) =>
        [new IncidentReopened(id, state.Model, command.Reason, state.AckWindow is { } window ? now + window : null, actor.Name, now)];
}

/// <summary>POST /api/v1/incidents/{id}/reopening.</summary>
public static class ReopenIncidentEndpoint
{
    /// <summary>The incident's stream.</summary>
    public static string StreamOf(string id) => Incident.StreamId(id);

    /// <summary>Refuses with problem details before anything is appended.</summary>
    public static ProblemDetails Validate(string id, IEventStream<Folded<Incident>> incident, HttpContext http) =>
        StreamRules.Check(http, incident, (state, _) => ReopenIncident.Check(id, state));

    /// <summary>Reopens the incident; the new ack deadline's timer commits with it.</summary>
    [WolverinePost("/api/v1/incidents/{id}/reopening")]
    public static (IResult, Events, OutgoingMessages) Post(
        ReopenIncident command, string id,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Incident>> incident,
        HttpContext http, IClock clock)
    {
        var (result, events) = IncidentTransition.Decide(http, incident, clock, nameof(ReopenIncident), id, (state, now, actor) => ReopenIncident.Decide(command, id, state, now, actor));
        return (result, events, EscalateIncident.TimersFor(events));
    }

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain) => IncidentTransition.Configure(chain, nameof(ReopenIncident), "Reopen a resolved incident.");
}
