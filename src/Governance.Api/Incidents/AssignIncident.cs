using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Validation;
using NodaTime;

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

    /// <summary>POST /api/v1/incidents/{id}/assignment.</summary>
    public static void Map(IEndpointRouteBuilder api) => IncidentTransition.Map<AssignIncident>(api, "assignment", "Assign an incident to someone.", Decide);
}
