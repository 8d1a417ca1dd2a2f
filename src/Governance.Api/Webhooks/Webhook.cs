using Governance.EventLog;
using NodaTime;

namespace Governance.Api.Webhooks;

/// <summary>
/// An admin subscribed a URL to events. The secret is never in an event: <paramref name="SecretId"/> names it in
/// governance.webhook_secrets.
/// </summary>
public sealed record WebhookSubscribed(
    string Id, string Url, IReadOnlyList<string> Events, string? Model, string Description, string SecretId, string SubscribedBy, Instant SubscribedAt);

/// <summary>A new signing secret replaced the previous one, which keeps signing (beside it) until <paramref name="PreviousValidUntil"/>.</summary>
public sealed record WebhookSecretRotated(string Id, string SecretId, string PreviousSecretId, Instant PreviousValidUntil, string RotatedBy, Instant RotatedAt);

/// <summary>Deliveries stopped: the receiver answered 410 Gone.</summary>
public sealed record WebhookDisabled(string Id, string Reason, string DisabledBy, Instant DisabledAt);

/// <summary>An admin removed the subscription; nothing more is delivered.</summary>
public sealed record WebhookRemoved(string Id, string RemovedBy, Instant RemovedAt);

/// <summary>Where a subscription stands.</summary>
public static class WebhookStatus
{
    public const string Active = "active";
    public const string Disabled = "disabled";
    public const string Removed = "removed";
}

/// <summary>The state of a webhook stream, and what GET answers (never the secret).</summary>
public sealed record Webhook(
    string Id, string Url, IReadOnlyList<string> Events, string? Model, string Description, string Status,
    string SubscribedBy, Instant SubscribedAt, Instant? SecretRotatedAt, Instant? DisabledAt, string? DisabledReason)
    : IStreamState<Webhook>
{
    /// <summary>The stream type.</summary>
    public const string StreamType = "webhook";

    /// <summary>The stream id of a subscription.</summary>
    public static string StreamId(string id) => $"webhook-{id}";

    /// <summary>A new subscription's id: time-ordered, so listings sort by creation.</summary>
    public static string NewId(Instant now) => "wh_" + Guid.CreateVersion7(now.ToDateTimeOffset()).ToString("N");

    /// <summary>Matches every event type.</summary>
    public const string AllEvents = "*";

    /// <summary>The id of the secret that signs first (the newest); internal to the service.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string SecretId { get; init; } = "";

    /// <inheritdoc />
    public static Webhook Initial { get; } = new("", "", [], null, "", "", "", default, null, null, null);

    /// <summary>Whether events are still delivered.</summary>
    public bool Active => Status == WebhookStatus.Active;

    /// <inheritdoc />
    public Webhook Evolve(StoredEvent @event) => @event.Data switch
    {
        WebhookSubscribed s => new Webhook(s.Id, s.Url, s.Events, s.Model, s.Description, WebhookStatus.Active, s.SubscribedBy, s.SubscribedAt, null, null, null)
        {
            SecretId = s.SecretId,
        },
        WebhookSecretRotated r => this with { SecretId = r.SecretId, SecretRotatedAt = r.RotatedAt },
        WebhookDisabled d => this with { Status = WebhookStatus.Disabled, DisabledAt = d.DisabledAt, DisabledReason = d.Reason },
        WebhookRemoved => this with { Status = WebhookStatus.Removed },
        _ => this,
    };

    /// <summary>Registers the stream's events.</summary>
    public static void RegisterEvents(EventTypeRegistry registry) =>
        registry.Register<WebhookSubscribed>()
            .Register<WebhookSecretRotated>()
            .Register<WebhookDisabled>()
            .Register<WebhookRemoved>();
}
