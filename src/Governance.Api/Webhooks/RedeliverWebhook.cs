using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Errors;
using Governance.EventLog;
using Marten;
using NodaTime;
using Npgsql;
using Wolverine;
using Wolverine.Http;

namespace Governance.Api.Webhooks;

/// <summary>
/// Send one event again (<c>eventId</c>), or every event delivered to the subscription since an instant (<c>from</c>,
/// by the time the event was recorded), in order per stream. Each is queued again as pending with a fresh retry
/// schedule; the webhook-id stays the event id, so a receiver that kept it sees a duplicate it can drop.
/// </summary>
public sealed record RedeliverWebhook(Guid? EventId, Instant? From)
{
    /// <summary>Exactly one of the two.</summary>
    public sealed class Validator : AbstractValidator<RedeliverWebhook>
    {
        public Validator()
        {
            RuleFor(c => c).Must(c => c.EventId is not null ^ c.From is not null).OverridePropertyName("eventId")
                .WithMessage("Give either 'eventId' (one event) or 'from' (every event recorded since that instant), not both.");
        }
    }

    /// <summary>How many deliveries were queued again.</summary>
    public sealed record Accepted(string Id, int Redelivered);

    /// <summary>Pure decision: an active subscription; one event must have been delivered to it.</summary>
    public static DomainError? Decide(RedeliverWebhook command, string id, Webhook? state, int matching, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (!actor.Has(Roles.Admin))
        {
            return DomainError.Forbidden("Only admins manage webhooks.");
        }

        if (state is null || state.Status == WebhookStatus.Removed)
        {
            return DomainError.NotFound($"No webhook '{id}'.");
        }

        if (state.Status == WebhookStatus.Disabled)
        {
            return DomainError.Conflict($"Webhook '{id}' is disabled ({state.DisabledReason}); subscribe the URL again to receive events.");
        }

        return command.EventId is { } eventId && matching == 0
            ? DomainError.NotFound($"Event '{eventId}' was never delivered to webhook '{id}'.")
            : null;
    }
}

/// <summary>What a redelivery touches: the subscription and the streams of the deliveries it names.</summary>
public sealed record RedeliveryFacts(Webhook? Webhook, IReadOnlyList<string> Streams, int Matching);

/// <summary>POST /api/v1/webhooks/{id}/redelivery.</summary>
public static class RedeliverWebhookEndpoint
{
    private const string Matching = "webhook_id = $1 AND (($2::uuid IS NOT NULL AND event_id = $2) OR ($3::timestamptz IS NOT NULL AND recorded_at >= $3))";

    /// <summary>The subscription and the deliveries named.</summary>
    public static async Task<RedeliveryFacts> LoadAsync(string id, RedeliverWebhook command, IEventStore store, NpgsqlDataSource db, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        var webhook = await store.AggregateStreamAsync<Webhook>(Webhook.StreamId(id), ct: ct);
        await using var cmd = db.CreateCommand($"SELECT stream_id, count(*) FROM governance.webhook_deliveries WHERE {Matching} GROUP BY stream_id");
        cmd.Parameters.Add(new() { Value = id });
        cmd.Parameters.Add(new() { Value = (object?)command.EventId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        cmd.Parameters.Add(new() { Value = (object?)command.From?.ToDateTimeUtc() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        var streams = new List<string>();
        var matching = 0;
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            streams.Add(reader.GetString(0));
            matching += (int)reader.GetInt64(1);
        }

        return new RedeliveryFacts(webhook?.State, streams, matching);
    }

    /// <summary>
    /// Queues the deliveries again and wakes their streams' senders, in one transaction (Wolverine's outbox): either both
    /// happen or neither.
    /// </summary>
    [WolverinePost("/api/v1/webhooks/{id}/redelivery")]
    public static (IResult, OutgoingMessages) Post(string id, RedeliverWebhook command, RedeliveryFacts facts, IDocumentSession session, HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(session);
        var messages = new OutgoingMessages();
        if (RedeliverWebhook.Decide(command, id, facts.Webhook, facts.Matching, Actor.From(http.User)) is { } refusal)
        {
            return (refusal.ToResult(), messages);
        }

        if (facts.Matching > 0)
        {
            session.QueueSqlCommand(
                "UPDATE governance.webhook_deliveries SET status = 'pending', retries_from = attempts, next_attempt_at = clock_timestamp(), delivered_at = NULL " +
                "WHERE webhook_id = ? AND status <> 'pending' AND (event_id = ? OR recorded_at >= ?)",
                id, command.EventId ?? Guid.Empty, (command.From ?? Instant.FromUtc(9999, 1, 1, 0, 0)).ToDateTimeOffset());
            messages.AddRange(facts.Streams.Select(s => new DeliverWebhook(id, s)));
        }

        return (Results.Accepted(value: new RedeliverWebhook.Accepted(id, facts.Matching)), messages);
    }

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.Metadata
            .RequireRole(Roles.Admin)
            .WithTags("Webhooks").WithName(nameof(RedeliverWebhook))
            .WithSummary("Send one event (eventId) or every event since an instant (from) to a webhook again (admin), in order per stream.")
            .Produces<RedeliverWebhook.Accepted>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
    }
}
