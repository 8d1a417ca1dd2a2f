using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Validation;
using Governance.EventLog.Streams;
using JasperFx.Events;
using Marten;
using Microsoft.AspNetCore.Mvc;
using NodaTime;
using Wolverine.Http;
using Wolverine.Marten;

namespace Governance.Api.Principals;

/// <summary>Replace a principal's roles (admins only). Takes effect on the principal's next request.</summary>
public sealed record ChangeRoles(IReadOnlyList<string> Roles)
{
    /// <summary>Shape rules.</summary>
    public sealed class Validator : AbstractValidator<ChangeRoles>
    {
        public Validator()
        {
            RuleFor(c => c.Roles).NotEmpty().WithMessage("Give at least one role.");
            RuleForEach(c => c.Roles).Must(r => Core.Auth.Roles.All.Contains(r))
                .WithMessage($"A role is one of: {string.Join(", ", Core.Auth.Roles.All)}.");
        }
    }

    /// <summary>The response: the roles now granted and what they imply.</summary>
    public sealed record Changed(string Name, IReadOnlyList<string> Roles, IReadOnlyList<string> EffectiveRoles);

    /// <summary>Taking admin away from the last admin with a working key is refused.</summary>
    public static DomainError? Check(string name, ChangeRoles command, Principal? state, int otherWorkingAdmins)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (state is null)
        {
            return DomainError.NotFound($"No principal named '{name}'.");
        }

        return state.IsAdmin && !command.Roles.Contains(Core.Auth.Roles.Admin) && state.LiveKeys.Any() && otherWorkingAdmins == 0
            ? DomainError.Conflict($"{AdminLockout.Refusal}: '{name}' is the last admin with one. Make someone else an admin first.")
            : null;
    }

    /// <summary>The new roles, each once, with the ones they replace; the same roles change nothing.</summary>
    public static IReadOnlyList<object> Decide(string name, ChangeRoles command, Principal state, Instant now, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(state);
        IReadOnlyList<string> roles = [.. command.Roles.Distinct()];
        return roles.ToHashSet().SetEquals(state.Roles)
            ? []
            : [new PrincipalRolesChanged(name, roles, state.Roles, actor.Name, now)];
    }
}

/// <summary>PUT /api/v1/principals/{name}/roles.</summary>
public static class ChangeRolesEndpoint
{
    /// <summary>The principal's stream.</summary>
    public static string StreamOf(string name) => Principal.StreamId(name);

    /// <summary>The admin lock, held until the change commits, and the admins who would still have a way in.</summary>
    public static Task<OtherWorkingAdmins> LoadAsync(string name, IDocumentSession session, CancellationToken ct) =>
        AdminLockout.LockAndCountAsync(session, name, ct);

    /// <summary>Refuses with problem details before anything is appended.</summary>
    public static ProblemDetails Validate(
        ChangeRoles command, string name, OtherWorkingAdmins others, IEventStream<Folded<Principal>> principal, HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(others);
        return StreamRules.Check(http, principal, (state, _) => ChangeRoles.Check(name, command, state, others.Count));
    }

    /// <summary>Replaces the roles.</summary>
    [WolverinePut("/api/v1/principals/{name}/roles")]
    public static (IResult, Events) Put(
        ChangeRoles command, string name,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Principal>> principal,
        HttpContext http, IClock clock) =>
        StreamCommand.Decide(http, principal, clock, nameof(ChangeRoles),
            (state, now, actor) => ChangeRoles.Decide(name, command, state!, now, actor),
            after => Results.Ok(new ChangeRoles.Changed(name, after!.Roles, [.. Roles.Expand(after.Roles).Order(StringComparer.Ordinal)])));

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.Metadata
            .RequireRole(Roles.Admin)
            .WithTags("Principals").WithName(nameof(ChangeRoles))
            .WithSummary("Replace a principal's roles (admin): they apply from its next request; its browser sessions end.")
            .Produces<ChangeRoles.Changed>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
    }
}
