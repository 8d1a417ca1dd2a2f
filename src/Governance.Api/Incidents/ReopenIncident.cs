using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Validation;
using NodaTime;

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

    /// <summary>Pure decision.</summary>
    public static Decision Decide(ReopenIncident command, string id, Incident? state, Instant now, Actor actor)
    {
        if (state is null)
        {
            return DomainError.NotFound($"No incident '{id}'.");
        }

        if (state.Status != IncidentStatus.Resolved)
        {
            return DomainError.Conflict($"Incident '{id}' is {state.Status.Text()}; only a resolved incident can be reopened.");
        }

        return Decision.Accept(new IncidentReopened(id, state.Model, command.Reason, state.AckWindow is { } window ? now + window : null, actor.Name, now));
    }

    /// <summary>POST /api/v1/incidents/{id}/reopening.</summary>
    public static void Map(IEndpointRouteBuilder api) => IncidentTransition.Map<ReopenIncident>(api, "reopening", "Reopen a resolved incident.", Decide);
}
