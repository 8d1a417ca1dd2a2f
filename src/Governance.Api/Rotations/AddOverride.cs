using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Validation;
using Governance.EventLog.Streams;
using JasperFx.Events;
using Microsoft.AspNetCore.Mvc;
using NodaTime;
using Npgsql;
using Wolverine.Http;
using Wolverine.Marten;

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

    /// <summary>State rules: the team must have a rotation, and whoever covers must be a principal with oncall or admin.</summary>
    public static DomainError? Check(AddOverride command, string team, PagerFacts people, Rotation? state)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(people);
        return state is null ? DomainError.NotFound($"Team '{team}' has no rotation.") : people.Check([("member", command.Member)]);
    }

    /// <summary>The override (<see cref="Check"/> has let it through).</summary>
    public static IReadOnlyList<object> Decide(AddOverride command, string team, Instant now, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(command);
        return [new RotationOverrideAdded(team, command.Member, command.From!.Value, command.To!.Value, actor.Name, now)];
    }
}

/// <summary>POST /api/v1/teams/{team}/overrides.</summary>
public static class AddOverrideEndpoint
{
    /// <summary>The team's rotation stream.</summary>
    public static string StreamOf(string team) => Rotation.StreamId(team);

    /// <summary>Whether whoever covers can be paged.</summary>
    public static Task<PagerFacts> LoadAsync(AddOverride command, NpgsqlDataSource db, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        return PagerFacts.ReadAsync(db, [command.Member], ct);
    }

    /// <summary>Refuses with problem details before anything is appended.</summary>
    public static ProblemDetails Validate(AddOverride command, string team, PagerFacts people, IEventStream<Folded<Rotation>> rotation, HttpContext http) =>
        StreamRules.Check(http, rotation, (state, _) => AddOverride.Check(command, team, people, state));

    /// <summary>Adds the override to the rotation.</summary>
    [WolverinePost("/api/v1/teams/{team}/overrides")]
    public static (IResult, Events) Post(
        AddOverride command, string team, PagerFacts people,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Rotation>> rotation,
        HttpContext http, IClock clock) =>
        StreamCommand.Decide(http, rotation, clock, nameof(AddOverride),
            (_, now, actor) => AddOverride.Decide(command, team, now, actor),
            _ => Results.Created($"/api/v1/teams/{team}/oncall?at={command.From!.Value}", new AddOverride.Added(team, command.Member, command.From.Value, command.To!.Value)));

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.Metadata
            .RequireRole(Roles.OnCall)
            .WithTags("Teams").WithName(nameof(AddOverride))
            .WithSummary("Let someone cover the primary for a span; they must be a principal with the oncall (or admin) role (422 otherwise).")
            .Produces<AddOverride.Added>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
    }
}
