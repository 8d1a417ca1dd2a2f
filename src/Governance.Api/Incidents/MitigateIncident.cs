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

/// <summary>Record how the impact was stopped: rollback, fallback, filter, retrain or other.</summary>
public sealed record MitigateIncident(MitigationAction? Action, string? Note)
{
    /// <summary>Shape rules.</summary>
    public sealed class Validator : AbstractValidator<MitigateIncident>
    {
        public Validator()
        {
            RuleFor(c => c.Action).NotNull().WithMessage("'Action' is rollback, fallback, filter, retrain or other.");
            RuleFor(c => c.Note).IsText(5000);
        }
    }

    /// <summary>State rules: the incident exists and is mitigated once, not after it is resolved.</summary>
    public static DomainError? Check(string id, Incident? state) =>
        IncidentTransition.Check(id, state, incident => incident.Status is IncidentStatus.Mitigated or IncidentStatus.Resolved
            ? DomainError.Conflict($"Incident '{id}' is already {incident.Status.Text()}.")
            : null);

    /// <summary>The step, on an incident <see cref="Check"/> has let through.</summary>
    public static IReadOnlyList<object> Decide(MitigateIncident command, string id, Incident state, Instant now, Actor actor) =>
        [new IncidentMitigated(id, state.Model, command.Action!.Value, command.Note, actor.Name, now)];
}

/// <summary>POST /api/v1/incidents/{id}/mitigation.</summary>
public static class MitigateIncidentEndpoint
{
    /// <summary>The incident's stream.</summary>
    public static string StreamOf(string id) => Incident.StreamId(id);

    /// <summary>Refuses with problem details before anything is appended.</summary>
    public static ProblemDetails Validate(string id, IEventStream<Folded<Incident>> incident, HttpContext http) =>
        StreamRules.Check(http, incident, (state, _) => MitigateIncident.Check(id, state));

    /// <summary>Records how the impact was stopped.</summary>
    [WolverinePost("/api/v1/incidents/{id}/mitigation")]
    public static (IResult, Events) Post(
        MitigateIncident command, string id,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Incident>> incident,
        HttpContext http, IClock clock) =>
        IncidentTransition.Decide(http, incident, clock, nameof(MitigateIncident), id, (state, now, actor) => MitigateIncident.Decide(command, id, state, now, actor));

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain) => IncidentTransition.Configure(chain, nameof(MitigateIncident), "Record the mitigation of an incident.");
}
