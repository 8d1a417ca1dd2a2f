using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Validation;
using Governance.EventLog.Streams;
using JasperFx.Events;
using Marten;
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

    /// <summary>
    /// Pure decision: the same roles change nothing; taking admin away from the last admin with a working key is refused.
    /// </summary>
    public static Decision Decide(string name, ChangeRoles command, Principal? state, int otherWorkingAdmins, Instant now, Actor actor)
    {
        if (state is null)
        {
            return DomainError.NotFound($"No principal named '{name}'.");
        }

        IReadOnlyList<string> roles = [.. command.Roles.Distinct()];
        if (roles.ToHashSet().SetEquals(state.Roles))
        {
            return Decision.Unchanged;
        }

        if (state.IsAdmin && !roles.Contains(Core.Auth.Roles.Admin) && state.LiveKeys.Any() && otherWorkingAdmins == 0)
        {
            return DomainError.Conflict($"{AdminLockout.Refusal}: '{name}' is the last admin with one. Make someone else an admin first.");
        }

        return Decision.Accept(new PrincipalRolesChanged(name, roles, state.Roles, actor.Name, now));
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

    /// <summary>Replaces the roles.</summary>
    [WolverinePut("/api/v1/principals/{name}/roles")]
    public static (IResult, Events) Put(
        ChangeRoles command, string name, OtherWorkingAdmins others,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Principal>> principal,
        HttpContext http, IClock clock) =>
        StreamCommand.Decide(http, principal, clock, nameof(ChangeRoles),
            (state, now, actor) => ChangeRoles.Decide(name, command, state, others.Count, now, actor),
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
