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
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapPost("/incidents/{id}/assignment", async (string id, AssignIncident command, HttpContext http, CommandExecutor executor, CancellationToken ct) =>
            {
                var outcome = await executor.ExecuteAsync<Incident>(http, nameof(AssignIncident), Incident.StreamId(id), Incident.StreamType,
                    (state, now, actor) => Decide(command, id, state, now, actor), ct);
                return outcome.Succeeded ? Results.Ok(IncidentView.Of(outcome)) : outcome.Error!.ToResult();
            })
            .Validate<AssignIncident>()
            .RequireRole(Roles.OnCall)
            .WithTags("Incidents").WithName(nameof(AssignIncident))
            .WithSummary("Assign an incident to someone.")
            .Produces<IncidentView.Changed>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
}
