using Wolverine;

namespace Governance.Api.Webhooks;

/// <summary>
/// Send what is due of one subscription's queue for one stream, oldest first. Scheduled for each retry, for a queue
/// another sender held, and published by a redelivery; durable (Wolverine's inbox in PostgreSQL), so none survives only
/// in memory.
/// </summary>
public sealed record DeliverWebhook(string WebhookId, string StreamId);

/// <summary>
/// Send what is due of one subscription's queues for several streams: what the dispatcher publishes for each page of the
/// log, one message per subscription rather than one per stream (each message costs its own inbox rows and round trips).
/// </summary>
public sealed record DeliverWebhooks(string WebhookId, IReadOnlyList<string> StreamIds);

/// <summary>Wolverine's handler for <see cref="DeliverWebhook"/>.</summary>
public static class DeliverWebhookHandler
{
    /// <summary>Sends, in order, until the queue is empty or an attempt fails (its retry is then scheduled).</summary>
    public static Task Handle(DeliverWebhook message, WebhookSender sender, IMessageBus bus, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(sender);
        return sender.SendAsync(message.WebhookId, [message.StreamId], bus, ct);
    }
}

/// <summary>Wolverine's handler for <see cref="DeliverWebhooks"/>.</summary>
public static class DeliverWebhooksHandler
{
    /// <summary>Sends each stream's queue as <see cref="DeliverWebhookHandler"/> does, the streams side by side.</summary>
    public static Task Handle(DeliverWebhooks message, WebhookSender sender, IMessageBus bus, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(sender);
        return sender.SendAsync(message.WebhookId, message.StreamIds, bus, ct);
    }
}
