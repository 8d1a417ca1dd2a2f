using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Validation;
using NodaTime;
using Npgsql;

namespace Governance.Api.Rotations;

/// <summary>Someone takes the primary's pager from one instant to another.</summary>
public sealed record AddOverride(string Member, Instant? From, Instant? To)
{
    /// <summary>Shape rules.</summary>
    public sealed class Validator : AbstractValidator<AddOverride>
    {
        public Validator()
        {
            RuleFor(c => c.Member).IsPrincipalName();
            RuleFor(c => c.From).NotNull();
            RuleFor(c => c.To).NotNull();
            RuleFor(c => c.To).GreaterThan(c => c.From).When(c => c.From is not null && c.To is not null).WithMessage("'To' must be after 'From'.");
        }
    }

    /// <summary>The response.</summary>
    public sealed record Added(string Team, string Member, Instant From, Instant To);

    /// <summary>Pure decision: the team must have a rotation, and whoever covers must be a principal with oncall or admin.</summary>
    public static Decision Decide(AddOverride command, string team, PagerFacts people, Rotation? state, Instant now, Actor actor)
    {
        if (state is null)
        {
            return DomainError.NotFound($"Team '{team}' has no rotation.");
        }

        if (people.Check([("member", command.Member)]) is { } cannot)
        {
            return cannot;
        }

        return Decision.Accept(new RotationOverrideAdded(team, command.Member, command.From!.Value, command.To!.Value, actor.Name, now));
    }

    /// <summary>POST /api/v1/teams/{team}/overrides.</summary>
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapPost("/teams/{team}/overrides", async (string team, AddOverride command, HttpContext http, CommandExecutor executor, NpgsqlDataSource db,
                CancellationToken ct) =>
            {
                var people = await PagerFacts.ReadAsync(db, [command.Member], ct);
                var outcome = await executor.ExecuteAsync<Rotation>(http, nameof(AddOverride), Rotation.StreamId(team), Rotation.StreamType,
                    (state, now, actor) => Decide(command, team, people, state, now, actor), ct);
                return outcome.Succeeded
                    ? Results.Created($"/api/v1/teams/{team}/oncall?at={command.From!.Value}", new Added(team, command.Member, command.From.Value, command.To!.Value))
                    : outcome.Error!.ToResult();
            })
            .Validate<AddOverride>()
            .RequireRole(Roles.OnCall)
            .WithTags("Teams").WithName(nameof(AddOverride))
            .WithSummary("Let someone cover the primary for a span; they must be a principal with the oncall (or admin) role (422 otherwise).")
            .Produces<Added>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
}
