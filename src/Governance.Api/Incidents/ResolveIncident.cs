using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Validation;
using NodaTime;

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

    /// <summary>POST /api/v1/incidents/{id}/resolution.</summary>
    public static void Map(IEndpointRouteBuilder api) => IncidentTransition.Map<ResolveIncident>(api, "resolution", "Resolve an incident.", Decide);
}
