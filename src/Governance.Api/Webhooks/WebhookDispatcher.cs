using System.Text.Json.Nodes;
using Governance.Api.Audit;
using Governance.Api.Core.Outbox;
using Governance.EventLog;
using Marten;
using NodaTime.Text;
using Npgsql;
using Wolverine;

namespace Governance.Api.Webhooks;

/// <summary>
/// The webhooks' outbox: for every committed event, in log order, one delivery row per active subscription it matches
/// (its type, or "*", and its model when the subscription names one; only events after the subscription), and one
/// <see cref="DeliverWebhooks"/> per subscription naming the page's streams it has events of — all in the transaction
/// that moves the dispatcher's progress. The payload is made here, once: every attempt sends the same bytes.
/// </summary>
public sealed class WebhookDispatcher(EventLogOptions log, NpgsqlDataSource db) : CommittedEventOutbox("webhooks", log.Registry)
{
    /// <inheritdoc />
    protected override async Task ForwardAsync(IReadOnlyList<CommittedEvent> events, IDocumentOperations operations, IMessageBus bus, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(operations);
        ArgumentNullException.ThrowIfNull(bus);
        var subscriptions = await ActiveAsync(ct);
        if (subscriptions.Count == 0)
        {
            return;
        }

        var serializer = operations.DocumentStore.Options.Serializer();
        var queues = new Dictionary<string, HashSet<string>>();
        foreach (var e in events)
        {
            JsonObject? body = null;
            string? payload = null;
            foreach (var s in subscriptions)
            {
                if (e.Sequence <= s.SubscribedSeq || !(s.Events.Contains(Webhook.AllEvents) || s.Events.Contains(e.Type)))
                {
                    continue;
                }

                body ??= JsonNode.Parse(AuditEvent.WithoutKeyHash(e.Type, serializer.ToJson(e.Data)))!.AsObject();
                if (s.Model is { } model && ModelOf(e.StreamId, body) != model)
                {
                    continue;
                }

                payload ??= Payload(e, body);
                operations.QueueSqlCommand(
                    "INSERT INTO governance.webhook_deliveries (webhook_id, event_seq, event_id, event_type, stream_id, stream_version, recorded_at, payload) " +
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (webhook_id, event_seq) DO NOTHING",
                    s.Id, e.Sequence, e.Id, e.Type, e.StreamId, e.Version, e.RecordedAt.ToDateTimeOffset(), payload);
                if (!queues.TryGetValue(s.Id, out var streams))
                {
                    queues[s.Id] = streams = [];
                }

                streams.Add(e.StreamId);
            }
        }

        foreach (var (webhook, streams) in queues)
        {
            await bus.PublishAsync(new DeliverWebhooks(webhook, [.. streams]));
        }
    }

    /// <summary>
    /// The body a receiver gets (DESIGN §13): <c>{type, timestamp, data: {streamId, version, actor, …event body}}</c>.
    /// </summary>
    public static string Payload(CommittedEvent e, JsonObject body)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(body);
        var data = new JsonObject
        {
            ["streamId"] = e.StreamId,
            ["version"] = e.Version,
            ["actor"] = e.Actor,
        };
        foreach (var (key, value) in body)
        {
            if (!data.ContainsKey(key))
            {
                data[key] = value?.DeepClone();
            }
        }

        return new JsonObject
        {
            ["type"] = e.Type,
            ["timestamp"] = InstantPattern.ExtendedIso.Format(e.RecordedAt),
            ["data"] = data,
        }.ToJsonString();
    }

    // Model events name their model in the body; a model's own stream is named after it.
    private static string? ModelOf(string streamId, JsonObject body) =>
        body["model"] is JsonValue value && value.TryGetValue<string>(out var model) ? model
        : streamId.StartsWith("model-", StringComparison.Ordinal) ? streamId["model-".Length..]
        : null;

    private async Task<List<Subscription>> ActiveAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT id, events, model, subscribed_seq FROM governance.webhooks WHERE status = 'active'");
        var found = new List<Subscription>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            found.Add(new Subscription(reader.GetString(0), [.. reader.GetFieldValue<string[]>(1)], reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetInt64(3)));
        }

        return found;
    }

    private sealed record Subscription(string Id, HashSet<string> Events, string? Model, long SubscribedSeq);
}
