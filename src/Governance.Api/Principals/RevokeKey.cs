using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using NodaTime;

namespace Governance.Api.Principals;

/// <summary>Stop one of a principal's keys from working (no body). Admins for anyone, anyone for their own keys.</summary>
public sealed record RevokeKey(string Name, string KeyId)
{
    /// <summary>
    /// Pure decision: the key is the principal's; revoking a revoked key changes nothing; the last working key of the
    /// last admin who has one stays.
    /// </summary>
    public static Decision Decide(RevokeKey command, Principal? state, int otherWorkingAdmins, Instant now, Actor actor)
    {
        if (IssueKey.Authorize(command.Name, actor) is { } forbidden)
        {
            return forbidden;
        }

        if (state is null)
        {
            return DomainError.NotFound($"No principal named '{command.Name}'.");
        }

        if (state.Keys.FirstOrDefault(k => k.KeyId == command.KeyId) is not { } key)
        {
            return DomainError.NotFound($"'{command.Name}' has no key '{command.KeyId}'.");
        }

        if (!key.Live)
        {
            return Decision.Unchanged;
        }

        if (state.IsAdmin && state.LiveKeys.Count() == 1 && otherWorkingAdmins == 0)
        {
            return DomainError.Conflict(
                $"{AdminLockout.Refusal}: '{command.KeyId}' is the last working key of the last admin. Issue another key or make someone else an admin first.");
        }

        return Decision.Accept(new PrincipalKeyRevoked(command.Name, command.KeyId, actor.Name, now));
    }

    /// <summary>DELETE /api/v1/principals/{name}/keys/{keyId}.</summary>
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapDelete("/principals/{name}/keys/{keyId}", async (string name, string keyId, HttpContext http, CommandExecutor executor,
                AdminLockout lockout, CancellationToken ct) =>
            {
                if (IssueKey.Authorize(name, Actor.From(http.User)) is { } forbidden)
                {
                    return forbidden.ToResult();
                }

                var outcome = await lockout.OneAtATimeAsync(async () =>
                {
                    var others = await lockout.OtherWorkingAdminsAsync(name, ct);
                    return await executor.ExecuteAsync<Principal>(http, nameof(RevokeKey), Principal.StreamId(name), Principal.StreamType,
                        (state, now, actor) => Decide(new RevokeKey(name, keyId), state, others, now, actor), ct);
                }, ct);
                return outcome.Succeeded ? Results.NoContent() : outcome.Error!.ToResult();
            })
            .WithTags("Principals").WithName(nameof(RevokeKey))
            .WithSummary("Revoke a key (admin, or the principal for its own keys): it fails from the next request, on every node.")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
}
