using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Governance.Api.Core.Telemetry;
using Governance.EventLog;
using NodaTime;
using Npgsql;
using NpgsqlTypes;
using Wolverine;

namespace Governance.Api.Webhooks;

/// <summary>
/// Sends a subscription's deliveries of one stream in order. One sender per (subscription, stream) at a time, across
/// nodes: a lease row (governance.webhook_streams), renewed after each attempt. The first failure stops the queue
/// (what follows waits behind it) and schedules its retry as a durable Wolverine message; a 2xx within the time limit
/// is success; 410 Gone disables the subscription. Attempts are recorded as they happen, so a crash repeats at most
/// the attempt in flight, under the same <c>webhook-id</c> (at least once).
/// </summary>
public sealed partial class WebhookSender(
    NpgsqlDataSource db, WebhookSettings settings, IClock clock, IEventStore store, ILogger<WebhookSender> logger) : IDisposable
{
    private const int PageSize = 50;
    private static readonly System.Diagnostics.Metrics.Counter<long> Deliveries =
        GovernanceTelemetry.Meter.CreateCounter<long>("governance.webhooks.deliveries", "{delivery}", "Webhook delivery attempts, by outcome.");

    private readonly HttpClient http = CreateClient(settings);
    private TimeSpan LeaseTime => settings.Timeout + TimeSpan.FromSeconds(20);

    /// <summary>Sends what is due of the message's queue.</summary>
    public async Task SendAsync(DeliverWebhook message, IMessageBus bus, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(bus);
        var owner = Guid.NewGuid();
        if (await ClaimAsync(message, owner, ct) is { } heldUntil)
        {
            // Someone else sends this queue. A live sender sees everything committed before it lets go; one that died
            // leaves the lease to expire, so look again then.
            await bus.ScheduleAsync(message, heldUntil.AddSeconds(1));
            return;
        }

        var released = false;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var due = await DueAsync(message, ct);
                if (due.Count == 0)
                {
                    if (await ReleaseAsync(message, owner, ifEmpty: true, ct))
                    {
                        released = true;
                        return;
                    }

                    continue;
                }

                foreach (var delivery in due)
                {
                    if (!delivery.Due)
                    {
                        // Waiting for its retry (already scheduled); what follows waits behind it.
                        released = await ReleaseAsync(message, owner, ifEmpty: false, ct);
                        return;
                    }

                    if (!await AttemptAsync(message, delivery, owner, bus, ct))
                    {
                        released = await ReleaseAsync(message, owner, ifEmpty: false, ct);
                        return;
                    }
                }
            }
        }
        finally
        {
            if (!released)
            {
                await ReleaseAsync(message, owner, ifEmpty: false, CancellationToken.None);
            }
        }
    }

    // One attempt; false when the queue must stop (failure waiting for a retry, or the subscription stopped).
    private async Task<bool> AttemptAsync(DeliverWebhook message, Queued delivery, Guid owner, IMessageBus bus, CancellationToken ct)
    {
        if (delivery.WebhookStatus != WebhookStatus.Active)
        {
            return false;
        }

        var now = clock.GetCurrentInstant();
        var timestamp = now.ToUnixTimeSeconds();
        var secrets = await WebhookSecrets.SigningAsync(db, message.WebhookId, now, ct);
        var messageId = delivery.EventId.ToString();
        int? status = null;
        string? error = null;
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url)
            {
                Content = new StringContent(delivery.Payload, Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("webhook-id", messageId);
            request.Headers.Add("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
            request.Headers.Add("webhook-signature", WebhookSignature.Sign(messageId, timestamp, delivery.Payload, secrets));
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            status = (int)response.StatusCode;
            if (status is < 200 or > 299)
            {
                error = $"The receiver answered {status} {response.ReasonPhrase}".TrimEnd() + ".";
            }
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            error = $"No answer within {settings.Timeout.TotalSeconds:0.#} s.";
        }
        catch (HttpRequestException e)
        {
            error = e.InnerException is PrivateAddressException refused ? refused.Message : $"Could not reach the receiver: {e.Message}";
        }

        var duration = (int)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (error is null)
        {
            Deliveries.Add(1, new KeyValuePair<string, object?>("outcome", "delivered"));
            await RecordAsync(delivery, owner, message, "delivered", status, duration, null, null, ct);
            return true;
        }

        if (status == StatusCodes.Status410Gone)
        {
            Deliveries.Add(1, new KeyValuePair<string, object?>("outcome", "gone"));
            await RecordAsync(delivery, owner, message, "failed", status, duration, "The receiver answered 410 Gone: the subscription was disabled.", null, ct);
            await store.AppendAsync(Webhook.StreamId(message.WebhookId), Webhook.StreamType, ExpectedVersion.StreamExists,
                [new WebhookDisabled(message.WebhookId, "The receiver answered 410 Gone.", EventMetadata.System("webhooks").Actor, clock.GetCurrentInstant())],
                EventMetadata.System("webhooks"), ct);
            LogDisabled(logger, message.WebhookId);
            return false;
        }

        var retry = delivery.Attempts - delivery.RetriesFrom;
        if (retry >= settings.RetrySchedule.Count)
        {
            Deliveries.Add(1, new KeyValuePair<string, object?>("outcome", "given_up"));
            await RecordAsync(delivery, owner, message, "failed", status, duration, error, null, ct);
            LogGivenUp(logger, message.WebhookId, delivery.EventId, delivery.Attempts + 1);

            // Given up: the stream's next events go on (this one can be sent again with a redelivery).
            return true;
        }

        Deliveries.Add(1, new KeyValuePair<string, object?>("outcome", "failed"));
        var wait = settings.RetrySchedule[retry];
        var nextAt = DateTimeOffset.UtcNow + wait;
        await bus.ScheduleAsync(message, nextAt);
        await RecordAsync(delivery, owner, message, "pending", status, duration, error, wait, ct);
        return false;
    }

    private async Task RecordAsync(
        Queued delivery, Guid owner, DeliverWebhook message, string status, int? statusCode, int durationMs, string? error, TimeSpan? retryIn, CancellationToken ct)
    {
        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(Command(
            "UPDATE governance.webhook_deliveries SET status = $2, attempts = attempts + 1, last_attempt_at = clock_timestamp(), " +
            "last_status_code = $3, last_duration_ms = $4, last_error = $5, " +
            "next_attempt_at = CASE WHEN $6::interval IS NULL THEN next_attempt_at ELSE clock_timestamp() + $6::interval END, " +
            "delivered_at = CASE WHEN $2 = 'delivered' THEN clock_timestamp() END WHERE id = $1",
            delivery.Id, status, statusCode, durationMs, error, retryIn));
        batch.BatchCommands.Add(Command(
            "INSERT INTO governance.webhook_attempts (delivery_id, attempt, attempted_at, status_code, duration_ms, error) " +
            "VALUES ($1, $2, clock_timestamp(), $3, $4, $5) ON CONFLICT DO NOTHING",
            delivery.Id, delivery.Attempts + 1, statusCode, durationMs, error));
        batch.BatchCommands.Add(Command(
            "UPDATE governance.webhook_streams SET lease_until = clock_timestamp() + $4::interval WHERE webhook_id = $1 AND stream_id = $2 AND lease_owner = $3",
            message.WebhookId, message.StreamId, owner, LeaseTime));
        await batch.ExecuteNonQueryAsync(ct);
    }

    // Null when claimed; otherwise until when someone else holds it.
    private async Task<DateTimeOffset?> ClaimAsync(DeliverWebhook message, Guid owner, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            "INSERT INTO governance.webhook_streams AS s (webhook_id, stream_id, lease_owner, lease_until) VALUES ($1, $2, $3, clock_timestamp() + $4::interval) " +
            "ON CONFLICT (webhook_id, stream_id) DO UPDATE SET lease_owner = EXCLUDED.lease_owner, lease_until = EXCLUDED.lease_until " +
            "WHERE s.lease_until IS NULL OR s.lease_until < clock_timestamp() " +
            "RETURNING lease_owner");
        AddParameters(cmd.Parameters, message.WebhookId, message.StreamId, owner, LeaseTime);
        if (await cmd.ExecuteScalarAsync(ct) is Guid)
        {
            return null;
        }

        await using var held = db.CreateCommand("SELECT lease_until FROM governance.webhook_streams WHERE webhook_id = $1 AND stream_id = $2");
        AddParameters(held.Parameters, message.WebhookId, message.StreamId);
        return await held.ExecuteScalarAsync(ct) is DateTime until
            ? new DateTimeOffset(DateTime.SpecifyKind(until, DateTimeKind.Utc))
            : DateTimeOffset.UtcNow;
    }

    // Lets go of the queue; with ifEmpty, only when nothing is due (what committed meanwhile is then this sender's).
    private async Task<bool> ReleaseAsync(DeliverWebhook message, Guid owner, bool ifEmpty, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            "UPDATE governance.webhook_streams SET lease_owner = NULL, lease_until = NULL WHERE webhook_id = $1 AND stream_id = $2 AND lease_owner = $3" +
            (ifEmpty
                ? " AND NOT EXISTS (SELECT 1 FROM governance.webhook_deliveries d WHERE d.webhook_id = $1 AND d.stream_id = $2 AND d.status = 'pending' AND d.next_attempt_at <= clock_timestamp())"
                : ""));
        AddParameters(cmd.Parameters, message.WebhookId, message.StreamId, owner);
        if (await cmd.ExecuteNonQueryAsync(ct) == 1)
        {
            return true;
        }

        // Still ours with more to send, or lost (expired and taken): then stop.
        await using var mine = db.CreateCommand("SELECT 1 FROM governance.webhook_streams WHERE webhook_id = $1 AND stream_id = $2 AND lease_owner = $3");
        AddParameters(mine.Parameters, message.WebhookId, message.StreamId, owner);
        return await mine.ExecuteScalarAsync(ct) is null;
    }

    private async Task<List<Queued>> DueAsync(DeliverWebhook message, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            "SELECT d.id, d.event_id, d.payload, d.attempts, d.retries_from, d.next_attempt_at <= clock_timestamp(), w.url, w.status " +
            "FROM governance.webhook_deliveries d JOIN governance.webhooks w ON w.id = d.webhook_id " +
            "WHERE d.webhook_id = $1 AND d.stream_id = $2 AND d.status = 'pending' ORDER BY d.event_seq LIMIT " + PageSize);
        AddParameters(cmd.Parameters, message.WebhookId, message.StreamId);
        var due = new List<Queued>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            due.Add(new Queued(reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.GetInt32(3), reader.GetInt32(4), reader.GetBoolean(5),
                reader.GetString(6), reader.GetString(7)));
        }

        return due;
    }

    private static NpgsqlBatchCommand Command(string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        AddParameters(command.Parameters, values);
        return command;
    }

    private static void AddParameters(NpgsqlParameterCollection parameters, params object?[] values)
    {
        foreach (var value in values)
        {
            parameters.Add(value switch
            {
                null => new NpgsqlParameter { Value = DBNull.Value },
                TimeSpan span => new NpgsqlParameter { Value = span, NpgsqlDbType = NpgsqlDbType.Interval },
                _ => new NpgsqlParameter { Value = value },
            });
        }
    }

    // Redirects are not followed (a 3xx is a failure, as Standard Webhooks says); outside tests and local use, the
    // address connected to must be public, whatever the name resolved to.
    private static HttpClient CreateClient(WebhookSettings settings)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = settings.Timeout,
            MaxConnectionsPerServer = 256,
        };
        if (!settings.AllowPrivateNetworks)
        {
            handler.ConnectCallback = async (context, ct) =>
            {
                var addresses = (await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, ct)).Where(WebhookUrls.IsPublic).ToArray();
                if (addresses.Length == 0)
                {
                    throw new PrivateAddressException(context.DnsEndPoint.Host);
                }

                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }

        return new HttpClient(handler) { Timeout = settings.Timeout };
    }

    /// <inheritdoc />
    public void Dispose() => http.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {WebhookId} was disabled: its receiver answered 410 Gone")]
    private static partial void LogDisabled(ILogger logger, string webhookId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {WebhookId}: event {EventId} given up after {Attempts} attempts")]
    private static partial void LogGivenUp(ILogger logger, string webhookId, Guid eventId, int attempts);

    private sealed record Queued(long Id, Guid EventId, string Payload, int Attempts, int RetriesFrom, bool Due, string Url, string WebhookStatus);

    private sealed class PrivateAddressException(string host)
        : IOException($"Refused: '{host}' resolves only to private, loopback or link-local addresses (Governance:Webhooks:AllowPrivateNetworks is off).");
}
