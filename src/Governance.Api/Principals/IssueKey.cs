using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Idempotency;
using NodaTime;

namespace Governance.Api.Principals;

/// <summary>Give a principal another API key (no body). Admins for anyone, anyone for themselves; the key is shown once.</summary>
public sealed record IssueKey(string Name)
{
    /// <summary>How many working keys one principal may hold: enough to rotate, few enough to keep track of.</summary>
    public const int MaxLiveKeys = 10;

    /// <summary>The response, the only time the key is shown.</summary>
    public sealed record Issued(string KeyId, string ApiKey);

    /// <summary>Who may issue keys to whom: admins for anyone, everyone else only for themselves.</summary>
    public static DomainError? Authorize(string name, Actor actor) =>
        actor.Has(Roles.Admin) || actor.Name == name ? null : DomainError.Forbidden("Only an admin can manage another principal's keys.");

    /// <summary>Pure decision: the principal exists and holds fewer than <see cref="MaxLiveKeys"/> working keys.</summary>
    public static Decision Decide(IssueKey command, Principal? state, string keyId, Instant now, Actor actor)
    {
        if (Authorize(command.Name, actor) is { } forbidden)
        {
            return forbidden;
        }

        if (state is null)
        {
            return DomainError.NotFound($"No principal named '{command.Name}'.");
        }

        if (state.LiveKeys.Count() >= MaxLiveKeys)
        {
            return DomainError.Conflict($"'{command.Name}' already holds {MaxLiveKeys} working keys; revoke one before issuing another.");
        }

        return Decision.Accept(new PrincipalKeyIssued(command.Name, keyId, actor.Name, now));
    }

    /// <summary>POST /api/v1/principals/{name}/keys.</summary>
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapPost("/principals/{name}/keys", async (string name, HttpContext http, CommandExecutor executor, ApiKeyStore keys, CancellationToken ct) =>
            {
                // Refused before anything is stored, so a caller cannot learn which principals exist.
                if (Authorize(name, Actor.From(http.User)) is { } forbidden)
                {
                    return forbidden.ToResult();
                }

                var key = ApiKeys.Generate();
                var keyId = ApiKeys.NewKeyId();
                await keys.RememberAsync(keyId, key, ct);
                var outcome = await executor.ExecuteAsync<Principal>(http, nameof(IssueKey), Principal.StreamId(name), Principal.StreamType,
                    (state, now, actor) => Decide(new IssueKey(name), state, keyId, now, actor), ct);
                if (!outcome.Succeeded)
                {
                    await keys.ForgetUnissuedAsync(keyId, CancellationToken.None);
                    return outcome.Error!.ToResult();
                }

                return Results.Created($"/api/v1/principals/{Uri.EscapeDataString(name)}", new Issued(keyId, key));
            })
            .ShowsSecretOnce()
            .WithTags("Principals").WithName(nameof(IssueKey))
            .WithSummary("Issue another API key to a principal (admin, or the principal itself): returns it once with its keyId.")
            .Produces<Issued>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
}
