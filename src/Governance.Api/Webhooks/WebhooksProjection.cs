using Governance.EventLog;
using Governance.EventLog.Projections;

namespace Governance.Api.Webhooks;

/// <summary>
/// Keeps governance.webhooks in step with webhook streams inside the append transaction, so the dispatcher matches
/// events against subscriptions as committed. Secrets, deliveries, attempts and send leases are records, not events:
/// the commands and the dispatcher write them and a rebuild keeps them.
/// </summary>
public sealed class WebhooksProjection : IInlineProjection
{
    /// <inheritdoc />
    public IReadOnlyList<string> Tables { get; } = ["governance.webhooks"];

    /// <inheritdoc />
    public Task ApplyAsync(ProjectionContext context, IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(events);
        foreach (var @event in events)
        {
            switch (@event.Data)
            {
                case WebhookSubscribed s:
                    context.Enqueue(
                        "INSERT INTO governance.webhooks (id, url, events, model, description, status, subscribed_seq, created_at, created_by) " +
                        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                        s.Id, s.Url, s.Events.ToArray(), s.Model, s.Description, WebhookStatus.Active, @event.Seq, s.SubscribedAt.ToDateTimeUtc(), s.SubscribedBy);
                    break;
                case WebhookSecretRotated r:
                    context.Enqueue("UPDATE governance.webhooks SET secret_rotated_at = $2 WHERE id = $1", r.Id, r.RotatedAt.ToDateTimeUtc());
                    break;
                case WebhookDisabled d:
                    context.Enqueue(
                        "UPDATE governance.webhooks SET status = $2, disabled_at = $3, disabled_reason = $4 WHERE id = $1",
                        d.Id, WebhookStatus.Disabled, d.DisabledAt.ToDateTimeUtc(), d.Reason);
                    Cancel(context, d.Id);
                    break;
                case WebhookRemoved r:
                    context.Enqueue("UPDATE governance.webhooks SET status = $2 WHERE id = $1", r.Id, WebhookStatus.Removed);
                    Cancel(context, r.Id);
                    break;
            }
        }

        return Task.CompletedTask;
    }

    // What was still waiting is not sent to a subscription that stopped; the log shows it as cancelled.
    private static void Cancel(ProjectionContext context, string id) =>
        context.Enqueue("UPDATE governance.webhook_deliveries SET status = 'cancelled' WHERE webhook_id = $1 AND status = 'pending'", id);
}
