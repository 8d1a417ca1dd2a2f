using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.EventLog.Streams;
using JasperFx.Events;
using Marten;
using Microsoft.AspNetCore.Mvc;
using NodaTime;
using Wolverine.Http;
using Wolverine.Marten;

namespace Governance.Api.Principals;

/// <summary>Stop one of a principal's keys from working (no body). Admins for anyone, anyone for their own keys.</summary>
public sealed record RevokeKey(string Name, string KeyId)
{
    /// <summary>
    /// The key is the principal's; the last working key of the last admin who has one stays (a revoked key is let
    /// through: revoking it again changes nothing).
    /// </summary>
    public static DomainError? Check(RevokeKey command, Principal? state, int otherWorkingAdmins, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(command);
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

        return key.Live && state.IsAdmin && state.LiveKeys.Count() == 1 && otherWorkingAdmins == 0
            ? DomainError.Conflict(
                $"{AdminLockout.Refusal}: '{command.KeyId}' is the last working key of the last admin. Issue another key or make someone else an admin first.")
            : null;
    }

    /// <summary>The revocation; nothing when the key no longer works.</summary>
    public static IReadOnlyList<object> Decide(RevokeKey command, Principal state, Instant now, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(state);
        return state.LiveKeys.Any(k => k.KeyId == command.KeyId)
            ? [new PrincipalKeyRevoked(command.Name, command.KeyId, actor.Name, now)]
            : [];
    }
}

/// <summary>DELETE /api/v1/principals/{name}/keys/{keyId}.</summary>
public static class RevokeKeyEndpoint
{
    /// <summary>The principal's stream.</summary>
    public static string StreamOf(string name) => Principal.StreamId(name);

    /// <summary>A non-admin naming another principal is refused whether or not it exists, so nothing can be learnt from it.</summary>
    public static IResult Before(string name, HttpContext http) =>
        IssueKey.Authorize(name, Actor.From(http.User)) is { } forbidden ? forbidden.ToResult() : WolverineContinue.Result();

    /// <summary>The admin lock, held until the revocation commits, and the admins who would still have a way in.</summary>
    public static Task<OtherWorkingAdmins> LoadAsync(string name, IDocumentSession session, CancellationToken ct) =>
        AdminLockout.LockAndCountAsync(session, name, ct);

    /// <summary>Refuses with problem details before anything is appended.</summary>
    public static ProblemDetails Validate(
        string name, string keyId, OtherWorkingAdmins others, IEventStream<Folded<Principal>> principal, HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(others);
        return StreamRules.Check(http, principal, (state, actor) => RevokeKey.Check(new RevokeKey(name, keyId), state, others.Count, actor));
    }

    /// <summary>Revokes the key.</summary>
    [WolverineDelete("/api/v1/principals/{name}/keys/{keyId}")]
    public static (IResult, Events) Delete(
        string name, string keyId,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Principal>> principal,
        HttpContext http, IClock clock) =>
        StreamCommand.Decide(http, principal, clock, nameof(RevokeKey),
            (state, now, actor) => RevokeKey.Decide(new RevokeKey(name, keyId), state!, now, actor),
            _ => Results.NoContent());

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.Metadata
            .WithTags("Principals").WithName(nameof(RevokeKey))
            .WithSummary("Revoke a key (admin, or the principal for its own keys): it fails from the next request, on every node.")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
    }
}
