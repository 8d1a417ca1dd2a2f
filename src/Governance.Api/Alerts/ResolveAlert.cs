using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Validation;
using NodaTime;

namespace Governance.Api.Alerts;

/// <summary>The alert's condition cleared; the next firing with the same dedup key opens a new alert.</summary>
public sealed record ResolveAlert(string? Note)
{
    /// <summary>Shape rules.</summary>
    public sealed class Validator : AbstractValidator<ResolveAlert>
    {
        public Validator() => RuleFor(c => c.Note).IsText(5000);
    }

    /// <summary>The response.</summary>
    public sealed record Resolved(string Id, string Status);

    /// <summary>Pure decision: resolved once.</summary>
    public static Decision Decide(ResolveAlert command, string id, Alert? state, Instant now, Actor actor)
    {
        if (state is null)
        {
            return DomainError.NotFound($"No alert '{id}'.");
        }

        return state.Status == AlertStatus.Resolved
            ? DomainError.Conflict($"Alert '{id}' is already resolved.")
            : Decision.Accept(new AlertResolved(id, state.Rule, state.Model, command.Note, actor.Name, now));
    }

    /// <summary>POST /api/v1/alerts/{id}/resolution.</summary>
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapPost("/alerts/{id}/resolution", async (string id, ResolveAlert command, HttpContext http, CommandExecutor executor, CancellationToken ct) =>
            {
                var outcome = await executor.ExecuteAsync<Alert>(http, nameof(ResolveAlert), Alert.StreamId(id), Alert.StreamType,
                    (state, now, actor) => Decide(command, id, state, now, actor), ct);
                return outcome.Succeeded ? Results.Ok(new Resolved(id, "resolved")) : outcome.Error!.ToResult();
            })
            .Validate<ResolveAlert>()
            .RequireRole(Roles.Contributor)
            .WithTags("Alerts").WithName(nameof(ResolveAlert))
            .WithSummary("Resolve an alert.")
            .Produces<Resolved>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
}
