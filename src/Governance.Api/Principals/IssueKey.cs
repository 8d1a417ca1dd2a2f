using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Idempotency;
using Governance.EventLog.Streams;
using JasperFx.Events;
using Marten;
using Microsoft.AspNetCore.Mvc;
using NodaTime;
using Wolverine.Http;
using Wolverine.Marten;

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

    /// <summary>The principal exists and holds fewer than <see cref="MaxLiveKeys"/> working keys.</summary>
    public static DomainError? Check(IssueKey command, Principal? state, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(command);
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

        return null;
    }

    /// <summary>The new key, by whoever issued it.</summary>
    public static IReadOnlyList<object> Decide(IssueKey command, string keyId, Instant now, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(command);
        return [new PrincipalKeyIssued(command.Name, keyId, actor.Name, now)];
    }
}

/// <summary>POST /api/v1/principals/{name}/keys.</summary>
public static class IssueKeyEndpoint
{
    /// <summary>The principal's stream.</summary>
    public static string StreamOf(string name) => Principal.StreamId(name);

    /// <summary>A non-admin naming another principal is refused whether or not it exists, so nothing can be learnt from it.</summary>
    public static IResult Before(string name, HttpContext http) =>
        IssueKey.Authorize(name, Actor.From(http.User)) is { } forbidden ? forbidden.ToResult() : WolverineContinue.Result();

    /// <summary>Refuses with problem details before anything is appended.</summary>
    public static ProblemDetails Validate(string name, IEventStream<Folded<Principal>> principal, HttpContext http) =>
        StreamRules.Check(http, principal, (state, actor) => IssueKey.Check(new IssueKey(name), state, actor));

    /// <summary>Issues the key; its hash is stored in the transaction that appends the event.</summary>
    [WolverinePost("/api/v1/principals/{name}/keys")]
    public static (IResult, Events) Post(
        string name,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Principal>> principal,
        IDocumentSession session, HttpContext http, IClock clock)
    {
        var key = ApiKeys.Generate();
        var keyId = ApiKeys.NewKeyId();
        var (answer, events) = StreamCommand.Decide(http, principal, clock, nameof(IssueKey),
            (_, now, actor) => IssueKey.Decide(new IssueKey(name), keyId, now, actor),
            _ => Results.Created($"/api/v1/principals/{Uri.EscapeDataString(name)}", new IssueKey.Issued(keyId, key)));
        ApiKeyStore.Remember(session, keyId, key);
        return (answer, events);
    }

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.Metadata
            .ShowsSecretOnce()
            .WithTags("Principals").WithName(nameof(IssueKey))
            .WithSummary("Issue another API key to a principal (admin, or the principal itself): returns it once with its keyId.")
            .Produces<IssueKey.Issued>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
    }
}
