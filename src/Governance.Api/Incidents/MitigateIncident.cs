using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Validation;
using NodaTime;

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

    /// <summary>Pure decision.</summary>
    public static Decision Decide(MitigateIncident command, string id, Incident? state, Instant now, Actor actor)
    {
        if (state is null)
        {
            return DomainError.NotFound($"No incident '{id}'.");
        }

        if (state.Status is IncidentStatus.Mitigated or IncidentStatus.Resolved)
        {
            return DomainError.Conflict($"Incident '{id}' is already {state.Status.Text()}.");
        }

        return Decision.Accept(new IncidentMitigated(id, state.Model, command.Action!.Value, command.Note, actor.Name, now));
    }

    /// <summary>POST /api/v1/incidents/{id}/mitigation.</summary>
    public static void Map(IEndpointRouteBuilder api) => IncidentTransition.Map<MitigateIncident>(api, "mitigation", "Record the mitigation of an incident.", Decide);
}
