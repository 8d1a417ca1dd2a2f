using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Validation;
using NodaTime;

namespace Governance.Api.Incidents;

/// <summary>
/// The endpoint every on-call step on an existing incident shares (acknowledge, assign, mitigate, resolve, reopen):
/// POST /incidents/{id}/{step} with the command, decided on the incident's stream, answered with what changed.
/// Each command keeps its own record, validator and pure Decide in its own file.
/// </summary>
public static class IncidentTransition
{
    /// <summary>Maps POST /api/v1/incidents/{id}/<paramref name="step"/> for <typeparamref name="TCommand"/>.</summary>
    public static RouteHandlerBuilder Map<TCommand>(
        IEndpointRouteBuilder api, string step, string summary, Func<TCommand, string, Incident?, Instant, Actor, Decision> decide)
        where TCommand : class =>
        api.MapPost($"/incidents/{{id}}/{step}", async (string id, TCommand command, HttpContext http, CommandExecutor executor, CancellationToken ct) =>
            {
                var outcome = await executor.ExecuteAsync<Incident>(http, typeof(TCommand).Name, Incident.StreamId(id), Incident.StreamType,
                    (state, now, actor) => decide(command, id, state, now, actor), ct);
                return outcome.Succeeded ? Results.Ok(IncidentView.Of(outcome)) : outcome.Error!.ToResult();
            })
            .Validate<TCommand>()
            .RequireRole(Roles.OnCall)
            .WithTags("Incidents").WithName(typeof(TCommand).Name)
            .WithSummary(summary)
            .Produces<IncidentView.Changed>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
}
