using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Validation;
using NodaTime;

namespace Governance.Api.Rotations;

/// <summary>Someone takes the primary's pager from one instant to another.</summary>
public sealed record AddOverride(string Member, Instant? From, Instant? To)
{
    /// <summary>Shape rules.</summary>
    public sealed class Validator : AbstractValidator<AddOverride>
    {
        public Validator()
        {
            RuleFor(c => c.Member).IsSlug();
            RuleFor(c => c.From).NotNull();
            RuleFor(c => c.To).NotNull().GreaterThan(c => c.From).When(c => c.From is not null).WithMessage("'To' must be after 'From'.");
        }
    }

    /// <summary>The response.</summary>
    public sealed record Added(string Team, string Member, Instant From, Instant To);

    /// <summary>Pure decision: the team must have a rotation.</summary>
    public static Decision Decide(AddOverride command, string team, Rotation? state, Instant now, Actor actor)
    {
        if (state is null)
        {
            return DomainError.NotFound($"Team '{team}' has no rotation.");
        }

        return Decision.Accept(new RotationOverrideAdded(team, command.Member, command.From!.Value, command.To!.Value, actor.Name, now));
    }

    /// <summary>POST /api/v1/teams/{team}/overrides.</summary>
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapPost("/teams/{team}/overrides", async (string team, AddOverride command, HttpContext http, CommandExecutor executor, CancellationToken ct) =>
            {
                var outcome = await executor.ExecuteAsync<Rotation>(http, nameof(AddOverride), Rotation.StreamId(team), Rotation.StreamType,
                    (state, now, actor) => Decide(command, team, state, now, actor), ct);
                return outcome.Succeeded
                    ? Results.Created($"/api/v1/teams/{team}/oncall?at={command.From!.Value}", new Added(team, command.Member, command.From.Value, command.To!.Value))
                    : outcome.Error!.ToResult();
            })
            .Validate<AddOverride>()
            .RequireRole(Roles.OnCall)
            .WithTags("Teams").WithName(nameof(AddOverride))
            .WithSummary("Let someone cover the primary for a span.")
            .Produces<Added>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status404NotFound);
}
