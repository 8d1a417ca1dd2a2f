using Wolverine;

namespace Governance.Api.Webhooks;

/// <summary>
/// Send what is due of one subscription's queue for one stream, oldest first. Published by the dispatcher's outbox and
/// scheduled for each retry; durable (Wolverine's inbox in PostgreSQL), so neither survives only in memory.
/// </summary>
public sealed record DeliverWebhook(string WebhookId, string StreamId);

/// <summary>Wolverine's handler for <see cref="DeliverWebhook"/>.</summary>
public static class DeliverWebhookHandler
{
    /// <summary>Sends, in order, until the queue is empty or an attempt fails (its retry is then scheduled).</summary>
    public static Task Handle(DeliverWebhook message, WebhookSender sender, IMessageBus bus, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(sender);
        return sender.SendAsync(message, bus, ct);
    }
}
