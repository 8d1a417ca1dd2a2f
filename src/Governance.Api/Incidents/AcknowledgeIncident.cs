using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Validation;
using NodaTime;

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

    /// <summary>POST /api/v1/incidents/{id}/acknowledgement.</summary>
    public static void Map(IEndpointRouteBuilder api) => IncidentTransition.Map<AcknowledgeIncident>(api, "acknowledgement", "Acknowledge an incident.", Decide);
}
