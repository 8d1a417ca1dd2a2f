using System.Diagnostics;
using System.Text.Json;
using Governance.EventLog.Guarantees;
using Governance.EventLog.Projections;
using Governance.EventLog.Telemetry;
using JasperFx.Events;
using Marten;
using Marten.Exceptions;
using Marten.Services;
using NodaTime;
using Npgsql;
using NpgsqlTypes;

namespace Governance.EventLog;

/// <summary>
/// The service's event store on Marten. Every append is a Marten session enlisted in a transaction this class owns,
/// so that the inline projections run in that same transaction after Marten has written the events, and see them as
/// stored: sequence number, version, time and hash. (Marten's own inline projections run before the insert and, in
/// Quick append mode, without sequence numbers; the evaluations read model orders by sequence.)
/// </summary>
public sealed class MartenEventStore : IEventStore, IAsyncDisposable
{
    private const string SelectColumns =
        "e.seq_id, h.tx_id, e.id, e.stream_id, s.type, e.version, e.type, e.data, e.user_name, e.correlation_id, " +
        "e.causation_id, e.headers::text, e.timestamp, h.hash";

    private const string FromEvents =
        "FROM governance.mt_events e JOIN governance.event_hashes h ON h.seq_id = e.seq_id " +
        "JOIN governance.mt_streams s ON s.id = e.stream_id";

    private readonly IDocumentStore store;
    private readonly NpgsqlDataSource dataSource;
    private readonly EventTypeRegistry registry;
    private readonly IReadOnlyList<IInlineProjection> inlineProjections;
    private readonly GroupCommit groupCommit;
    private readonly JsonSerializerOptions json;

    public MartenEventStore(
        IDocumentStore store, NpgsqlDataSource dataSource, EventTypeRegistry registry, IEnumerable<IInlineProjection> inlineProjections,
        GroupCommitOptions? groupCommit = null)
    {
        this.store = store;
        this.dataSource = dataSource;
        this.registry = registry;
        this.inlineProjections = [.. inlineProjections];
        this.groupCommit = new GroupCommit(WriteAsync, groupCommit ?? new GroupCommitOptions());
        json = new JsonSerializerOptions();
        EventJson.Configure(json);
    }

    /// <inheritdoc />
    public Task<AppendResult> AppendAsync(string streamId, string streamType, ExpectedVersion expected, IReadOnlyList<object> events, EventMetadata metadata, CancellationToken ct = default) =>
        AppendAsync([new StreamAppend(streamId, streamType, expected, events)], metadata, ct);

    /// <inheritdoc />
    public async Task<AppendResult> AppendAsync(IReadOnlyList<StreamAppend> appends, EventMetadata metadata, CancellationToken ct = default)
    {
        Validate(appends);
        metadata = WithAmbientTrace(metadata);
        return new AppendResult(await WriteAsync([.. appends.Select(a => new Member(a, metadata))], ct));
    }

    /// <inheritdoc />
    public Task<AppendResult> StartStreamAsync(string streamId, string streamType, IReadOnlyList<object> events, EventMetadata metadata, CancellationToken ct = default)
    {
        var append = new StreamAppend(streamId, streamType, ExpectedVersion.NoStream, events);
        Validate([append]);
        return groupCommit.AppendAsync(new Member(append, WithAmbientTrace(metadata), IsNewStream: true), ct);
    }

    private static EventMetadata WithAmbientTrace(EventMetadata metadata) =>
        metadata.TraceId is null && Activity.Current is { } ambient ? metadata with { TraceId = ambient.TraceId.ToString() } : metadata;

    /// <summary>Writes the members' appends as one transaction (all or nothing) and returns the stored events.</summary>
    private async Task<IReadOnlyList<StoredEvent>> WriteAsync(IReadOnlyList<Member> members, CancellationToken ct)
    {
        if (members.Count > 1)
        {
            Validate([.. members.Select(m => m.Append)]);
        }

        var started = Stopwatch.GetTimestamp();
        using var activity = LogTelemetry.ActivitySource.StartActivity("governance.append");
        activity?.SetTag("governance.stream.id", string.Join(",", members.Select(m => m.Append.StreamId)));

        // A stable lock order, so two units of work over the same streams cannot deadlock.
        var ordered = members.OrderBy(m => m.Append.StreamId, StringComparer.Ordinal).ToList();

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        try
        {
            var appended = new List<(Member Member, IEvent Event)>();
            await using (var session = store.LightweightSession(SessionOptions.ForTransaction(tx)))
            {
                InlineProjectionsListener.ProjectsItself(session);
                foreach (var member in ordered)
                {
                    var append = member.Append;
                    var action = await StartsStreamAsync(session, append, ct)
                        ? session.Events.StartStream(StreamTypes.For(store, append.StreamType), append.StreamId, [.. append.Events])
                        : append.Expected.Value > 0
                            ? session.Events.Append(append.StreamId, append.Expected.Value + append.Events.Count, [.. append.Events])
                            : session.Events.Append(append.StreamId, [.. append.Events]);
                    foreach (var @event in action.Events)
                    {
                        Stamp(@event, member.Metadata);
                        appended.Add((member, @event));
                    }
                }

                await session.SaveChangesAsync(ct);
            }

            var stored = await ReadBackAsync(connection, tx, appended, ct);
            if (inlineProjections.Count > 0)
            {
                // Projections queue their writes; they reach the database in one batch before commit.
                await using var context = new ProjectionContext(connection, tx);
                foreach (var projection in inlineProjections)
                {
                    await projection.ApplyAsync(context, stored, ct);
                }

                await context.FlushAsync(ct);
            }

            await tx.CommitAsync(ct);
            LogTelemetry.AppendDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return stored;
        }
        catch (Exception ex) when (Conflict(ex, ordered) is { } conflict)
        {
            // Marten's exceptions do not say what the writer ran into; the conflict does (its message is the 409 or
            // 412 a client reads), so the stream's version is looked up once the attempt has failed.
            var actual = await GetStreamVersionAsync(conflict.StreamId, CancellationToken.None);
            throw new ConcurrencyException(conflict.StreamId, conflict.Expected, actual, ex);
        }
    }

    // Marten checks "no stream" and an exact version itself (Append with the version after the append). "Stream
    // exists" is checked here; "any" starts the stream when there is none yet, because Marten only starts a stream
    // that is declared with its type (a plain Append to a missing stream is refused).
    private static async Task<bool> StartsStreamAsync(IDocumentSession session, StreamAppend append, CancellationToken ct)
    {
        if (append.Expected == ExpectedVersion.NoStream)
        {
            return true;
        }

        if (append.Expected != ExpectedVersion.Any && append.Expected != ExpectedVersion.StreamExists)
        {
            return false;
        }

        var exists = await session.Events.FetchStreamStateAsync(append.StreamId, ct) is not null;
        if (!exists && append.Expected == ExpectedVersion.StreamExists)
        {
            throw new ConcurrencyException(append.StreamId, append.Expected, 0);
        }

        return !exists;
    }

    // Each member of a group keeps its own actor, correlation and trace, although they share one session.
    private static void Stamp(IEvent @event, EventMetadata metadata)
    {
        @event.UserName = metadata.Actor;
        @event.CorrelationId = metadata.CorrelationId;
        @event.CausationId = metadata.CausationId;
        if (metadata.TraceId is not null)
        {
            @event.SetHeader(EventMetadata.TraceIdHeader, metadata.TraceId);
        }

        foreach (var (key, value) in metadata.Headers ?? new Dictionary<string, string>())
        {
            @event.SetHeader(key, value);
        }
    }

    private static ConcurrencyException? Conflict(Exception ex, List<Member> ordered)
    {
        var first = ordered[0].Append;
        ExpectedVersion ExpectedOf(string? id) => ordered.FirstOrDefault(m => m.Append.StreamId == id)?.Append.Expected ?? first.Expected;
        return ex switch
        {
            ConcurrencyException => null,
            Marten.Exceptions.ExistingStreamIdCollisionException collision =>
                new ConcurrencyException(collision.Id?.ToString() ?? first.StreamId, ExpectedOf(collision.Id?.ToString()), -1, ex),
            EventStreamUnexpectedMaxEventIdException unexpected =>
                new ConcurrencyException(unexpected.Id?.ToString() ?? first.StreamId, ExpectedOf(unexpected.Id?.ToString()), -1, ex),
            JasperFx.ConcurrencyException concurrency =>
                new ConcurrencyException(concurrency.Id?.ToString() ?? first.StreamId, ExpectedOf(concurrency.Id?.ToString()), -1, ex),
            Marten.Exceptions.NonExistentStreamException missing =>
                new ConcurrencyException(missing.Id?.ToString() ?? first.StreamId, ExpectedOf(missing.Id?.ToString()), 0, ex),
            MartenCommandException { InnerException: PostgresException pg } when IsConflict(pg) =>
                new ConcurrencyException(first.StreamId, first.Expected, -1, ex),
            PostgresException pg when IsConflict(pg) => new ConcurrencyException(first.StreamId, first.Expected, -1, ex),
            _ => null,
        };
    }

    private static bool IsConflict(PostgresException ex) =>
        ex.SqlState switch
        {
            PostgresErrorCodes.UniqueViolation => ex.TableName is "mt_events" or "mt_streams" or "event_hashes" || ex.ConstraintName is null,
            PostgresErrorCodes.LockNotAvailable or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure => true,
            _ => false,
        };

    // The appends' rows as the log stored them (StoredEvents.ReadRowsAsync: by sequence number, planned per read), with
    // each member's own metadata and stream type.
    private async Task<List<StoredEvent>> ReadBackAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, List<(Member Member, IEvent Event)> appended, CancellationToken ct)
    {
        var rows = await StoredEvents.ReadRowsAsync(connection, tx, [.. appended.Select(a => a.Event)], ct);
        return [.. appended.Select(a => (a.Member, a.Event, Row: StoredEvents.RowOf(rows, a.Event)))
            .Select(a => new StoredEvent(a.Row.Seq, a.Row.TxId, a.Event.Id, a.Member.Append.StreamId, a.Member.Append.StreamType, a.Row.Version,
                registry.NameOf(a.Event.EventType), a.Event.Data, a.Member.Metadata, a.Row.At, a.Row.Hash))
            .OrderBy(e => e.Seq)];
    }

    private static void Validate(IReadOnlyList<StreamAppend> appends)
    {
        if (appends.Count == 0)
        {
            throw new ArgumentException("A unit of work appends to at least one stream.", nameof(appends));
        }

        if (appends.Select(a => a.StreamId).Distinct(StringComparer.Ordinal).Count() != appends.Count)
        {
            throw new ArgumentException("A unit of work names each stream once.", nameof(appends));
        }

        foreach (var append in appends)
        {
            if (string.IsNullOrWhiteSpace(append.StreamId) || string.IsNullOrWhiteSpace(append.StreamType))
            {
                throw new ArgumentException("Streams need an id and a type.", nameof(appends));
            }

            if (append.Events.Count == 0)
            {
                throw new ArgumentException($"No events to append to '{append.StreamId}'.", nameof(appends));
            }
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(string streamId, StreamRead? read = null, CancellationToken ct = default)
    {
        read ??= new StreamRead();
        await using var cmd = dataSource.CreateCommand(
            $"SELECT {SelectColumns} {FromEvents} WHERE e.stream_id = $1 AND e.version >= $2 " +
            "AND ($3::bigint IS NULL OR e.version <= $3) AND ($4::timestamptz IS NULL OR e.timestamp <= $4) ORDER BY e.version");
        cmd.Parameters.Add(new() { Value = streamId });
        cmd.Parameters.Add(new() { Value = Math.Max(read.FromVersion, 1) });
        cmd.Parameters.Add(new() { Value = read.ToVersion is { } to ? Math.Max(to, 0) : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        cmd.Parameters.Add(new() { Value = read.AsOf is { } asOf ? asOf : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        return await ReadEventsAsync(cmd, ct);
    }

    /// <inheritdoc />
    public async Task<long> GetStreamVersionAsync(string streamId, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand("SELECT version FROM governance.mt_streams WHERE id = $1");
        cmd.Parameters.Add(new() { Value = streamId });
        return await cmd.ExecuteScalarAsync(ct) is long version ? version : 0;
    }

    /// <inheritdoc />
    public async Task<Aggregate<T>?> AggregateStreamAsync<T>(string streamId, Instant? asOf = null, CancellationToken ct = default)
        where T : IStreamState<T>
    {
        var events = await ReadStreamAsync(streamId, new StreamRead(AsOf: asOf), ct);
        if (events.Count == 0)
        {
            return null;
        }

        var state = T.Initial;
        foreach (var @event in events)
        {
            state = state.Evolve(@event);
        }

        return new Aggregate<T>(state, events[^1].Version);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<StoredEvent>> ReadAllAsync(LogPosition after, int limit, CancellationToken ct = default)
    {
        // Below the oldest transaction still running, nothing can commit any more: a page never has a hole that a
        // slow commit fills later.
        await using var cmd = dataSource.CreateCommand(
            $"SELECT {SelectColumns} {FromEvents} " +
            "WHERE (h.tx_id, h.seq_id) > ($1, $2) AND h.tx_id < pg_snapshot_xmin(pg_current_snapshot()) " +
            "ORDER BY h.tx_id, h.seq_id LIMIT $3");
        cmd.Parameters.Add(new() { Value = after.TxId, NpgsqlDbType = NpgsqlDbType.Xid8 });
        cmd.Parameters.Add(new() { Value = after.Seq });
        cmd.Parameters.Add(new() { Value = Math.Clamp(limit, 1, 100_000) });
        return await ReadEventsAsync(cmd, ct);
    }

    private async Task<IReadOnlyList<StoredEvent>> ReadEventsAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var events = new List<StoredEvent>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            events.Add(Materialize(reader));
        }

        return events;
    }

    private StoredEvent Materialize(NpgsqlDataReader reader)
    {
        var name = reader.GetString(6);
        // An event no feature registers any more is still history: it reads as its raw JSON, not as an error.
        var data = registry.TypeOf(name) is { } type
            ? JsonSerializer.Deserialize(reader.GetString(7), type, json)
            : System.Text.Json.Nodes.JsonNode.Parse(reader.GetString(7));
        if (data is null)
        {
            throw new InvalidOperationException($"Event {reader.GetGuid(2)} has an empty body.");
        }

        return new StoredEvent(
            reader.GetInt64(0), reader.GetFieldValue<ulong>(1), reader.GetGuid(2), reader.GetString(3), reader.GetString(4),
            (int)reader.GetInt64(5), name, data, Metadata(reader), reader.GetFieldValue<Instant>(12), reader.GetFieldValue<byte[]>(13));
    }

    private static EventMetadata Metadata(NpgsqlDataReader reader)
    {
        string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
        string? traceId = null;
        Dictionary<string, string>? headers = null;
        if (Text(11) is { } headersJson)
        {
            using var doc = JsonDocument.Parse(headersJson);
            var found = doc.RootElement.ValueKind == JsonValueKind.Object ? doc.RootElement.EnumerateObject() : default;
            foreach (var header in found)
            {
                var value = header.Value.ValueKind == JsonValueKind.String ? header.Value.GetString()! : header.Value.GetRawText();
                if (header.Name == EventMetadata.TraceIdHeader)
                {
                    traceId = value;
                }
                else
                {
                    (headers ??= new Dictionary<string, string>(StringComparer.Ordinal))[header.Name] = value;
                }
            }
        }

        return new EventMetadata(Text(8) ?? "unknown", Text(9), Text(10), traceId, headers);
    }

    /// <inheritdoc />
    public Task<HashChainReport> VerifyHashChainsAsync(CancellationToken ct = default) =>
        new HashChainVerifier(dataSource).VerifyAsync(ct);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => groupCommit.DisposeAsync();
}
