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

namespace Governance.Api.Webhooks;

/// <summary>Give a subscription a new signing secret (no body); the old one keeps signing beside it for 24 hours.</summary>
public sealed record RotateWebhookSecret(string Id)
{
    /// <summary>The answer, the only time the new secret is shown.</summary>
    public sealed record Rotated(string Id, string Secret, Instant PreviousSecretValidUntil);

    /// <summary>Admins only; a subscription that exists and was not removed.</summary>
    public static DomainError? Check(RotateWebhookSecret command, Webhook? state, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (!actor.Has(Roles.Admin))
        {
            return DomainError.Forbidden("Only admins manage webhooks.");
        }

        return state is null || state.Status == WebhookStatus.Removed ? DomainError.NotFound($"No webhook '{command.Id}'.") : null;
    }

    /// <summary>The new secret, with the old one dated to stop signing after the overlap.</summary>
    public static IReadOnlyList<object> Decide(RotateWebhookSecret command, Webhook state, string secretId, Instant now, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(state);
        return [new WebhookSecretRotated(command.Id, secretId, state.SecretId, now + WebhookSecrets.Overlap, actor.Name, now)];
    }
}

/// <summary>POST /api/v1/webhooks/{id}/secret.</summary>
public static class RotateWebhookSecretEndpoint
{
    /// <summary>The subscription's stream.</summary>
    public static string StreamOf(string id) => Webhook.StreamId(id);

    /// <summary>Refuses with problem details before anything is appended.</summary>
    public static ProblemDetails Validate(string id, IEventStream<Folded<Webhook>> webhook, HttpContext http) =>
        StreamRules.Check(http, webhook, (state, actor) => RotateWebhookSecret.Check(new RotateWebhookSecret(id), state, actor));

    /// <summary>Records the rotation, stores the new secret and dates the old one, in one transaction.</summary>
    [WolverinePost("/api/v1/webhooks/{id}/secret")]
    public static (IResult, Events) Post(
        string id,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Webhook>> webhook,
        IDocumentSession session, HttpContext http, IClock clock)
    {
        var secretId = WebhookSecrets.NewId();
        var secret = WebhookSecrets.Generate();
        var decided = StreamCommand.Run(http, webhook, clock, nameof(RotateWebhookSecret),
            (state, now, actor) => RotateWebhookSecret.Decide(new RotateWebhookSecret(id), state!, secretId, now, actor));
        var rotated = (WebhookSecretRotated)decided.Events[0];
        WebhookSecrets.Remember(session, id, secretId, secret, rotated.RotatedAt);
        WebhookSecrets.Expire(session, id, secretId, rotated.PreviousValidUntil);
        return (new Versioned(Results.Ok(new RotateWebhookSecret.Rotated(id, secret, rotated.PreviousValidUntil)), decided.Version), [.. decided.Events]);
    }

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.Metadata
            .RequireRole(Roles.Admin)
            .ShowsSecretOnce()
            .WithTags("Webhooks").WithName(nameof(RotateWebhookSecret))
            .WithSummary("Rotate a webhook's signing secret (admin): returns the new secret once; the old one keeps signing for 24 hours.")
            .Produces<RotateWebhookSecret.Rotated>()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
    }
}
