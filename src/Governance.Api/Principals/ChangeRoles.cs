using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Validation;
using NodaTime;

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

    /// <summary>PUT /api/v1/principals/{name}/roles.</summary>
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapPut("/principals/{name}/roles", async (string name, ChangeRoles command, HttpContext http, CommandExecutor executor,
                AdminLockout lockout, CancellationToken ct) =>
            {
                var outcome = await lockout.OneAtATimeAsync(async () =>
                {
                    var others = await lockout.OtherWorkingAdminsAsync(name, ct);
                    return await executor.ExecuteAsync<Principal>(http, nameof(ChangeRoles), Principal.StreamId(name), Principal.StreamType,
                        (state, now, actor) => Decide(name, command, state, others, now, actor), ct);
                }, ct);
                if (!outcome.Succeeded)
                {
                    return outcome.Error!.ToResult();
                }

                var roles = outcome.State!.Roles;
                return Results.Ok(new Changed(name, roles, [.. Core.Auth.Roles.Expand(roles).Order(StringComparer.Ordinal)]));
            })
            .Validate<ChangeRoles>()
            .RequireRole(Core.Auth.Roles.Admin)
            .WithTags("Principals").WithName(nameof(ChangeRoles))
            .WithSummary("Replace a principal's roles (admin): they apply from its next request; its browser sessions end.")
            .Produces<Changed>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
}
