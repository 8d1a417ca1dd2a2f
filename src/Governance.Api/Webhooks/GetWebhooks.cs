using Governance.Api.Core.Auth;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Requests;
using Governance.EventLog;
using NodaTime;
using Npgsql;

namespace Governance.Api.Webhooks;

/// <summary>
/// GET /webhooks, GET /webhooks/{id} and GET /webhooks/{id}/deliveries: admins only (a subscription's URL can carry
/// a receiver's token); never the secret.
/// </summary>
public static class GetWebhooks
{
    /// <summary>One delivery of one event to the subscription: its state and its last attempt.</summary>
    public sealed record Delivery(
        long Id, Guid EventId, string Type, string StreamId, long Version, Instant RecordedAt, string Status, int Attempts,
        int? StatusCode, int? DurationMs, string? Error, Instant? LastAttemptAt, Instant? NextRetry, Instant? DeliveredAt,
        IReadOnlyList<Attempt> History);

    /// <summary>One attempt.</summary>
    public sealed record Attempt(int Number, Instant At, int? StatusCode, int DurationMs, string? Error);

    /// <summary>A page of the delivery log, newest first; <c>next</c> is the <c>after</c> of the next page.</summary>
    public sealed record Page(IReadOnlyList<Delivery> Deliveries, string? Next);

    /// <summary>The subscriptions, newest first.</summary>
    public sealed record List(IReadOnlyList<Webhook> Webhooks);

    /// <summary>The states a delivery is in.</summary>
    public static readonly IReadOnlyList<string> Statuses = ["pending", "delivered", "failed", "cancelled"];

    private const int DefaultLimit = 50;
    private const int MaxLimit = 500;

    /// <summary>Maps the endpoints.</summary>
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/webhooks", async (IEventStore store, NpgsqlDataSource db, CancellationToken ct) =>
            {
                await using var cmd = db.CreateCommand("SELECT id FROM governance.webhooks WHERE status <> 'removed' ORDER BY id DESC");
                var ids = new List<string>();
                await using (var reader = await cmd.ExecuteReaderAsync(ct))
                {
                    while (await reader.ReadAsync(ct))
                    {
                        ids.Add(reader.GetString(0));
                    }
                }

                var webhooks = new List<Webhook>();
                foreach (var id in ids)
                {
                    if (await store.AggregateStreamAsync<Webhook>(Webhook.StreamId(id), ct: ct) is { } found)
                    {
                        webhooks.Add(found.State);
                    }
                }

                return Results.Ok(new List(webhooks));
            })
            .RequireRole(Roles.Admin).WithTags("Webhooks").WithName("ListWebhooks")
            .WithSummary("The webhook subscriptions (admin), newest first; never their secrets.")
            .Produces<List>();

        api.MapGet("/webhooks/{id}", async (string id, IEventStore store, CancellationToken ct) =>
                await store.AggregateStreamAsync<Webhook>(Webhook.StreamId(id), ct: ct) is { State.Status: not WebhookStatus.Removed } found
                    ? Results.Ok(found.State)
                    : DomainError.NotFound($"No webhook '{id}'.").ToResult())
            .RequireRole(Roles.Admin).WithTags("Webhooks").WithName("GetWebhook").WithStreamETag("id", Webhook.StreamId, answersNotModified: true)
            .WithSummary("One webhook subscription (admin); never its secret.")
            .Produces<Webhook>().ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/webhooks/{id}/deliveries", Deliveries)
            .RequireRole(Roles.Admin).WithTags("Webhooks").WithName("ListWebhookDeliveries")
            .WithSummary("The delivery log of a webhook (admin), newest first: each event sent, its attempts, status code, duration, error and next retry.")
            .Produces<Page>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> Deliveries(
        string id, NpgsqlDataSource db, CancellationToken ct, string? status = null, string? after = null, int? limit = null)
    {
        var errors = new Dictionary<string, string[]>();
        if (status is not null && !Statuses.Contains(status))
        {
            errors["status"] = [$"'status' is one of: {string.Join(", ", Statuses)}."];
        }

        long? cursor = null;
        if (after is not null)
        {
            if (long.TryParse(after, out var parsed) && parsed > 0)
            {
                cursor = parsed;
            }
            else
            {
                errors["after"] = ["'after' is the 'next' of an earlier page, passed unchanged."];
            }
        }

        if (limit is < 1 or > MaxLimit)
        {
            errors["limit"] = [$"'limit' is between 1 and {MaxLimit}."];
        }

        if (errors.Count > 0)
        {
            return new DomainError(StatusCodes.Status400BadRequest, "Invalid request", string.Join(" ", errors.Values.SelectMany(e => e)), errors).ToResult();
        }

        await using (var exists = db.CreateCommand("SELECT 1 FROM governance.webhooks WHERE id = $1 AND status <> 'removed'"))
        {
            exists.Parameters.Add(new() { Value = id });
            if (await exists.ExecuteScalarAsync(ct) is null)
            {
                return DomainError.NotFound($"No webhook '{id}'.").ToResult();
            }
        }

        var take = limit ?? DefaultLimit;
        await using var cmd = db.CreateCommand(
            "SELECT d.id, d.event_id, d.event_type, d.stream_id, d.stream_version, d.recorded_at, d.status, d.attempts, d.last_status_code, " +
            "d.last_duration_ms, d.last_error, d.last_attempt_at, CASE WHEN d.status = 'pending' THEN d.next_attempt_at END, d.delivered_at, " +
            "coalesce((SELECT json_agg(json_build_array(a.attempt, a.attempted_at, a.status_code, a.duration_ms, a.error) ORDER BY a.attempt) " +
            "          FROM governance.webhook_attempts a WHERE a.delivery_id = d.id), '[]')::text " +
            "FROM governance.webhook_deliveries d WHERE d.webhook_id = $1 AND ($2::text IS NULL OR d.status = $2) AND ($3::bigint IS NULL OR d.id < $3) " +
            "ORDER BY d.id DESC LIMIT $4");
        cmd.Parameters.Add(new() { Value = id });
        cmd.Parameters.Add(new() { Value = (object?)status ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = (object?)cursor ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        cmd.Parameters.Add(new() { Value = take + 1 });
        var deliveries = new List<Delivery>();
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                deliveries.Add(new Delivery(
                    reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), reader.GetInt64(4), At(reader, 5)!.Value,
                    reader.GetString(6), reader.GetInt32(7), reader.IsDBNull(8) ? null : reader.GetInt32(8), reader.IsDBNull(9) ? null : reader.GetInt32(9),
                    reader.IsDBNull(10) ? null : reader.GetString(10), At(reader, 11), At(reader, 12), At(reader, 13), History(reader.GetString(14))));
            }
        }

        var next = deliveries.Count > take ? deliveries[take - 1].Id.ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
        return Results.Ok(new Page([.. deliveries.Take(take)], next));
    }

    private static Instant? At(NpgsqlDataReader reader, int column) =>
        reader.IsDBNull(column) ? null : Instant.FromDateTimeUtc(DateTime.SpecifyKind(reader.GetDateTime(column), DateTimeKind.Utc));

    private static List<Attempt> History(string json)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        return [.. doc.RootElement.EnumerateArray().Select(a => new Attempt(
            a[0].GetInt32(),
            Instant.FromDateTimeOffset(a[1].GetDateTimeOffset()),
            a[2].ValueKind == System.Text.Json.JsonValueKind.Null ? null : a[2].GetInt32(),
            a[3].GetInt32(),
            a[4].ValueKind == System.Text.Json.JsonValueKind.Null ? null : a[4].GetString()))];
    }
}
