using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.EventLog.Streams;
using JasperFx.Events;
using NodaTime;
using Wolverine.Http;
using Wolverine.Marten;

namespace Governance.Api.Incidents;

/// <summary>
/// What every on-call step on an existing incident shares (acknowledge, assign, mitigate, resolve, reopen):
/// POST /incidents/{id}/{step} with the command, decided on the incident's stream, answered with what changed.
/// Each command keeps its own record, validator, pure Check and Decide, and endpoint in its own file.
/// </summary>
public static class IncidentTransition
{
    /// <summary>
    /// The rule every step shares: the incident exists (404 otherwise); then the step's own rule on it
    /// (<paramref name="step"/>: a refusal, or null to go on).
    /// </summary>
    public static DomainError? Check(string id, Incident? state, Func<Incident, DomainError?> step)
    {
        ArgumentNullException.ThrowIfNull(step);
        return state is null ? DomainError.NotFound($"No incident '{id}'.") : step(state);
    }

    /// <summary>
    /// Appends what <paramref name="decide"/> returns on the loaded incident (the step's <c>Validate</c> has let it
    /// through, so the incident exists) and answers with what changed.
    /// </summary>
    public static (IResult, Events) Decide(
        HttpContext http, IEventStream<Folded<Incident>> incident, IClock clock, string command, string id,
        Func<Incident, Instant, Actor, IReadOnlyList<object>> decide)
    {
        ArgumentNullException.ThrowIfNull(decide);
        IReadOnlyList<object> decided = [];
        return StreamCommand.Decide(http, incident, clock, command,
            (state, now, actor) => decided = decide(state!, now, actor),
            (_, version) => Results.Ok(IncidentView.Of(decided[^1], id, version)));
    }

    /// <summary>Who may take a step and what it answers.</summary>
    public static void Configure(HttpChain chain, string command, string summary)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.Metadata
            .RequireRole(Roles.OnCall)
            .WithTags("Incidents").WithName(command)
            .WithSummary(summary)
            .Produces<IncidentView.Changed>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
    }
}
