using System.Collections.Concurrent;
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
/// nodes: a lease row (governance.webhook_streams), renewed as it goes. The first failure stops the queue (what follows
/// waits behind it) and schedules its retry as a durable Wolverine message; a 2xx within the time limit is success; 410
/// Gone disables the subscription. Each attempt is recorded before the next is sent, so a crash repeats at most the
/// attempt in flight, under the same <c>webhook-id</c> (at least once).
/// </summary>
/// <remarks>
/// Round trips are what a steady stream of events costs (docs/benchmarks.md, "webhooks"): claiming the queue, reading
/// the signing secrets and the first page are one batch; recording the last attempt, renewing the lease, letting go
/// when nothing more is due and reading the next page are another. A batch is one implicit transaction.
/// </remarks>
public sealed partial class WebhookSender(
    NpgsqlDataSource db, WebhookSettings settings, IClock clock, IEventStore store, ILogger<WebhookSender> logger) : IDisposable
{
    private const int PageSize = 50;
    private static readonly System.Diagnostics.Metrics.Counter<long> Deliveries =
        GovernanceTelemetry.Meter.CreateCounter<long>("governance.webhooks.deliveries", "{delivery}", "Webhook delivery attempts, by outcome.");

    private readonly HttpClient http = CreateClient(settings);
    private readonly ConcurrentDictionary<(string Webhook, string Stream, Guid Holder), DateTimeOffset> lookAgain = new();
    private readonly ConcurrentDictionary<(string Webhook, string Stream), DateTimeOffset> wakeUps = new();
    private TimeSpan LeaseTime => settings.Timeout + TimeSpan.FromSeconds(20);

    /// <summary>
    /// Sends what is due of the subscription's queues for these streams, side by side. Retries and looks at queues
    /// someone else held are scheduled on <paramref name="bus"/> once every stream is done (a handler's bus is not
    /// shared between threads).
    /// </summary>
    public async Task SendAsync(string webhookId, IReadOnlyList<string> streamIds, IMessageBus bus, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(streamIds);
        ArgumentNullException.ThrowIfNull(bus);
        var later = new ConcurrentQueue<(DeliverWebhook Message, DateTimeOffset At)>();
        if (streamIds.Count == 1)
        {
            await SendStreamAsync(new DeliverWebhook(webhookId, streamIds[0]), later, ct);
        }
        else
        {
            await Parallel.ForEachAsync(
                streamIds.Distinct(StringComparer.Ordinal),
                new ParallelOptions { MaxDegreeOfParallelism = settings.Parallelism, CancellationToken = ct },
                (stream, token) => new ValueTask(SendStreamAsync(new DeliverWebhook(webhookId, stream), later, token)));
        }

        foreach (var (message, at) in later)
        {
            await bus.ScheduleAsync(message, at);
        }
    }

    private async Task SendStreamAsync(DeliverWebhook message, ConcurrentQueue<(DeliverWebhook, DateTimeOffset)> later, CancellationToken ct)
    {
        var owner = Guid.NewGuid();
        var (held, page) = await ClaimAsync(message, owner, ct);
        if (held is { } holder)
        {
            // Someone else sends this queue. A live sender sees everything committed before it lets go; one that died
            // leaves the lease to expire, so look again then — once per holder while a look is pending (its own message
            // is also still in the durable inbox, so this look is a second safety, and a page of events per 100 ms
            // would otherwise schedule one per page).
            var key = (message.WebhookId, message.StreamId, holder.Owner);
            var at = holder.Until.AddSeconds(1);
            if (!lookAgain.TryGetValue(key, out var pending) || pending < DateTimeOffset.UtcNow)
            {
                lookAgain[key] = at;
                later.Enqueue((message, at));
            }

            ForgetPastLooks();
            return;
        }

        var done = new List<Outcome>();
        var holding = true;
        try
        {
            while (page is not null)
            {
                var stop = false;
                foreach (var delivery in page)
                {
                    if (!delivery.Due || delivery.WebhookStatus != WebhookStatus.Active)
                    {
                        // Waiting for its retry, or the subscription stopped: what follows waits. The retry's wake-up is
                        // scheduled when the attempt fails, once the handler completes; a node that died before that
                        // leaves none, so whoever meets a waiting head first in this process schedules it (again).
                        if (!delivery.Due && delivery.WebhookStatus == WebhookStatus.Active)
                        {
                            WakeUpAt(message, delivery.NextAttemptAt, later);
                        }

                        stop = true;
                        break;
                    }

                    if (done.Count > 0)
                    {
                        // The previous attempt is recorded (and the lease renewed) before the next is sent.
                        var mine = await RecordAsync(message, owner, done, ct);
                        done.Clear();
                        if (!mine)
                        {
                            holding = false;
                            return;
                        }
                    }

                    var outcome = await AttemptAsync(delivery, ct);
                    done.Add(outcome);
                    if (outcome.RetryIn is { } wait)
                    {
                        WakeUpAt(message, DateTimeOffset.UtcNow + wait, later);
                    }

                    if (!outcome.GoOn)
                    {
                        stop = true;
                        break;
                    }
                }

                var gone = done.Any(o => o.StatusCode == StatusCodes.Status410Gone);
                page = await RecordAndContinueAsync(message, owner, done, stop, ct);
                done.Clear();
                holding = page is not null;
                if (gone)
                {
                    await store.AppendAsync(Webhook.StreamId(message.WebhookId), Webhook.StreamType, ExpectedVersion.StreamExists,
                        [new WebhookDisabled(message.WebhookId, "The receiver answered 410 Gone.", EventMetadata.System("webhooks").Actor, clock.GetCurrentInstant())],
                        EventMetadata.System("webhooks"), ct);
                    LogDisabled(logger, message.WebhookId);
                }
            }
        }
        finally
        {
            if (holding)
            {
                // Cancelled or failed half-way: record what was sent and let go, so the queue does not wait for the lease
                // to expire. If even that fails, the lease expires and what was sent is sent again (same webhook-id).
                try
                {
                    await RecordAndContinueAsync(message, owner, done, stop: true, CancellationToken.None);
                }
                catch (NpgsqlException e)
                {
                    LogNotReleased(logger, e, message.WebhookId, message.StreamId);
                }
            }
        }
    }

    private void WakeUpAt(DeliverWebhook message, DateTimeOffset at, ConcurrentQueue<(DeliverWebhook, DateTimeOffset)> later)
    {
        var key = (message.WebhookId, message.StreamId);
        if (wakeUps.TryGetValue(key, out var scheduled) && (scheduled - at).Duration() < TimeSpan.FromMilliseconds(100))
        {
            return;
        }

        wakeUps[key] = at;
        later.Enqueue((message, at));
        if (wakeUps.Count > 10_000)
        {
            foreach (var (k, when) in wakeUps)
            {
                if (when < DateTimeOffset.UtcNow.AddMinutes(-1))
                {
                    wakeUps.TryRemove(k, out _);
                }
            }
        }
    }

    private void ForgetPastLooks()
    {
        if (lookAgain.Count < 1_000)
        {
            return;
        }

        var now = DateTimeOffset.UtcNow;
        foreach (var (key, at) in lookAgain)
        {
            if (at < now)
            {
                lookAgain.TryRemove(key, out _);
            }
        }
    }

    // One attempt, not yet recorded.
    private async Task<Outcome> AttemptAsync(Queued delivery, CancellationToken ct)
    {
        var timestamp = clock.GetCurrentInstant().ToUnixTimeSeconds();
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
            request.Headers.Add("webhook-signature", WebhookSignature.Sign(messageId, timestamp, delivery.Payload, delivery.Secrets));
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
            return new Outcome(delivery, "delivered", status, duration, null, null, GoOn: true);
        }

        if (status == StatusCodes.Status410Gone)
        {
            Deliveries.Add(1, new KeyValuePair<string, object?>("outcome", "gone"));
            return new Outcome(delivery, "failed", status, duration, "The receiver answered 410 Gone: the subscription was disabled.", null, GoOn: false);
        }

        var retry = delivery.Attempts - delivery.RetriesFrom;
        if (retry >= settings.RetrySchedule.Count)
        {
            Deliveries.Add(1, new KeyValuePair<string, object?>("outcome", "given_up"));
            LogGivenUp(logger, delivery.WebhookId, delivery.EventId, delivery.Attempts + 1);

            // Given up: the stream's next events go on (this one can be sent again with a redelivery).
            return new Outcome(delivery, "failed", status, duration, error, null, GoOn: true);
        }

        Deliveries.Add(1, new KeyValuePair<string, object?>("outcome", "failed"));
        return new Outcome(delivery, "pending", status, duration, error, settings.RetrySchedule[retry], GoOn: false);
    }

    // Records attempts and renews the lease; false when the lease was lost (expired and taken).
    private async Task<bool> RecordAsync(DeliverWebhook message, Guid owner, IReadOnlyList<Outcome> outcomes, CancellationToken ct)
    {
        await using var batch = db.CreateBatch();
        AddRecords(batch, outcomes);
        var renew = Command(
            "UPDATE governance.webhook_streams SET lease_until = clock_timestamp() + $4::interval WHERE webhook_id = $1 AND stream_id = $2 AND lease_owner = $3",
            message.WebhookId, message.StreamId, owner, LeaseTime);
        batch.BatchCommands.Add(renew);
        await batch.ExecuteNonQueryAsync(ct);
        return renew.RecordsAffected == 1;
    }

    // Records the last attempt, then either lets go (stop) or renews the lease, lets go if nothing more is due and reads
    // the next page: one round trip. Null when the queue was let go (or lost).
    private async Task<List<Queued>?> RecordAndContinueAsync(
        DeliverWebhook message, Guid owner, IReadOnlyList<Outcome> outcomes, bool stop, CancellationToken ct)
    {
        await using var batch = db.CreateBatch();
        AddRecords(batch, outcomes);
        if (stop)
        {
            batch.BatchCommands.Add(Command(
                "UPDATE governance.webhook_streams SET lease_owner = NULL, lease_until = NULL WHERE webhook_id = $1 AND stream_id = $2 AND lease_owner = $3",
                message.WebhookId, message.StreamId, owner));
            await batch.ExecuteNonQueryAsync(ct);
            return null;
        }

        var renew = Command(
            "UPDATE governance.webhook_streams SET lease_until = clock_timestamp() + $4::interval WHERE webhook_id = $1 AND stream_id = $2 AND lease_owner = $3",
            message.WebhookId, message.StreamId, owner, LeaseTime);
        batch.BatchCommands.Add(renew);

        // Let go only when nothing is due: what committed before this statement is this sender's, what commits after
        // it comes with its own message.
        var release = Command(
            "UPDATE governance.webhook_streams SET lease_owner = NULL, lease_until = NULL WHERE webhook_id = $1 AND stream_id = $2 AND lease_owner = $3 " +
            "AND NOT EXISTS (SELECT 1 FROM governance.webhook_deliveries d WHERE d.webhook_id = $1 AND d.stream_id = $2 AND d.status = 'pending' AND d.next_attempt_at <= clock_timestamp())",
            message.WebhookId, message.StreamId, owner);
        batch.BatchCommands.Add(release);
        batch.BatchCommands.Add(PageCommand(message, owner));
        var page = await ReadPageAsync(batch, message.WebhookId, ct);
        return renew.RecordsAffected == 1 && release.RecordsAffected == 0 ? page : null;
    }

    // Claims the queue and reads its first page in one round trip; otherwise until when someone else holds it.
    private async Task<((Guid Owner, DateTimeOffset Until)? Held, List<Queued>? Page)> ClaimAsync(DeliverWebhook message, Guid owner, CancellationToken ct)
    {
        await using var batch = db.CreateBatch();
        var claim = Command(
            "INSERT INTO governance.webhook_streams AS s (webhook_id, stream_id, lease_owner, lease_until) VALUES ($1, $2, $3, clock_timestamp() + $4::interval) " +
            "ON CONFLICT (webhook_id, stream_id) DO UPDATE SET lease_owner = EXCLUDED.lease_owner, lease_until = EXCLUDED.lease_until " +
            "WHERE s.lease_until IS NULL OR s.lease_until < clock_timestamp()",
            message.WebhookId, message.StreamId, owner, LeaseTime);
        batch.BatchCommands.Add(claim);
        batch.BatchCommands.Add(PageCommand(message, owner));
        batch.BatchCommands.Add(Command(
            "SELECT lease_owner, lease_until FROM governance.webhook_streams WHERE webhook_id = $1 AND stream_id = $2 AND lease_owner IS DISTINCT FROM $3",
            message.WebhookId, message.StreamId, owner));
        (Guid, DateTimeOffset)? held = null;
        List<Queued> page;
        await using (var reader = await batch.ExecuteReaderAsync(ct))
        {
            page = await ReadQueuedAsync(reader, message.WebhookId, ct);
            if (await NextRowsAsync(reader, ct) && await reader.ReadAsync(ct))
            {
                held = (reader.IsDBNull(0) ? Guid.Empty : reader.GetGuid(0),
                    reader.IsDBNull(1) ? DateTimeOffset.UtcNow : new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(1), DateTimeKind.Utc)));
            }
        }

        return claim.RecordsAffected == 1 ? (null, page) : (held ?? (Guid.Empty, DateTimeOffset.UtcNow), null);
    }

    // The oldest pending deliveries of the queue, with the secrets that sign now, while this sender holds it.
    private NpgsqlBatchCommand PageCommand(DeliverWebhook message, Guid owner) => Command(
        "SELECT d.id, d.event_id, d.payload, d.attempts, d.retries_from, d.next_attempt_at <= clock_timestamp(), w.url, w.status, " +
        "d.next_attempt_at, " +
        "(SELECT coalesce(array_agg(k.secret ORDER BY k.created_at DESC, k.secret_id), '{}') FROM governance.webhook_secrets k " +
        " WHERE k.webhook_id = $1 AND (k.expires_at IS NULL OR k.expires_at > $4)) " +
        "FROM governance.webhook_deliveries d JOIN governance.webhooks w ON w.id = d.webhook_id " +
        "WHERE d.webhook_id = $1 AND d.stream_id = $2 AND d.status = 'pending' " +
        "AND EXISTS (SELECT 1 FROM governance.webhook_streams l WHERE l.webhook_id = $1 AND l.stream_id = $2 AND l.lease_owner = $3) " +
        "ORDER BY d.event_seq LIMIT " + PageSize,
        message.WebhookId, message.StreamId, owner, clock.GetCurrentInstant().ToDateTimeOffset());

    private static async Task<List<Queued>> ReadPageAsync(NpgsqlBatch batch, string webhookId, CancellationToken ct)
    {
        await using var reader = await batch.ExecuteReaderAsync(ct);
        return await ReadQueuedAsync(reader, webhookId, ct);
    }

    private static async Task<List<Queued>> ReadQueuedAsync(NpgsqlDataReader reader, string webhookId, CancellationToken ct)
    {
        var due = new List<Queued>();
        if (!await NextRowsAsync(reader, ct, current: true))
        {
            return due;
        }

        while (await reader.ReadAsync(ct))
        {
            due.Add(new Queued(reader.GetInt64(0), webhookId, reader.GetGuid(1), reader.GetString(2), reader.GetInt32(3), reader.GetInt32(4),
                reader.GetBoolean(5), reader.GetString(6), reader.GetString(7),
                new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(8), DateTimeKind.Utc)), reader.GetFieldValue<string[]>(9)));
        }

        return due;
    }

    // Moves to the next result that has columns (statements without rows may or may not count as results).
    private static async Task<bool> NextRowsAsync(NpgsqlDataReader reader, CancellationToken ct, bool current = false)
    {
        if (current && reader.FieldCount > 0)
        {
            return true;
        }

        while (await reader.NextResultAsync(ct))
        {
            if (reader.FieldCount > 0)
            {
                return true;
            }
        }

        return false;
    }

    private static void AddRecords(NpgsqlBatch batch, IReadOnlyList<Outcome> outcomes)
    {
        foreach (var o in outcomes)
        {
            batch.BatchCommands.Add(Command(
                "UPDATE governance.webhook_deliveries SET status = $2, attempts = attempts + 1, last_attempt_at = clock_timestamp(), " +
                "last_status_code = $3, last_duration_ms = $4, last_error = $5, " +
                "next_attempt_at = CASE WHEN $6::interval IS NULL THEN next_attempt_at ELSE clock_timestamp() + $6::interval END, " +
                "delivered_at = CASE WHEN $2 = 'delivered' THEN clock_timestamp() END WHERE id = $1",
                o.Delivery.Id, o.Status, o.StatusCode, o.DurationMs, o.Error, o.RetryIn));
            batch.BatchCommands.Add(Command(
                "INSERT INTO governance.webhook_attempts (delivery_id, attempt, attempted_at, status_code, duration_ms, error) " +
                "VALUES ($1, $2, clock_timestamp(), $3, $4, $5) ON CONFLICT DO NOTHING",
                o.Delivery.Id, o.Delivery.Attempts + 1, o.StatusCode, o.DurationMs, o.Error));
        }
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {WebhookId}: could not let go of stream {StreamId}'s queue; it waits for the lease to expire")]
    private static partial void LogNotReleased(ILogger logger, Exception e, string webhookId, string streamId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {WebhookId}: event {EventId} given up after {Attempts} attempts")]
    private static partial void LogGivenUp(ILogger logger, string webhookId, Guid eventId, int attempts);

    private sealed record Queued(
        long Id, string WebhookId, Guid EventId, string Payload, int Attempts, int RetriesFrom, bool Due, string Url, string WebhookStatus,
        DateTimeOffset NextAttemptAt, IReadOnlyList<string> Secrets);

    // An attempt's result: what to record, when to retry (if it will be), and whether the stream's queue goes on.
    private sealed record Outcome(Queued Delivery, string Status, int? StatusCode, int DurationMs, string? Error, TimeSpan? RetryIn, bool GoOn);

    private sealed class PrivateAddressException(string host)
        : IOException($"Refused: '{host}' resolves only to private, loopback or link-local addresses (Governance:Webhooks:AllowPrivateNetworks is off).");
}
