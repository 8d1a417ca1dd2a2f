using System.Runtime.CompilerServices;
using JasperFx.Events;
using Marten;
using Governance.EventLog.Streams;
using Marten.Events;
using Marten.Services;
using NodaTime;
using Npgsql;
using NpgsqlTypes;

namespace Governance.EventLog.Projections;

/// <summary>
/// Gives every Marten session that appends events — a Wolverine handler's, a test's, anyone's — what
/// <see cref="MartenEventStore"/> gives its own appends: the caller's metadata on each event, and the inline
/// projections run in the appending transaction after Marten has written the events, so they see them as stored
/// (sequence number, version, time, hash). Marten's own inline projections run before the insert and, in Quick
/// append mode, without sequence numbers; the read models order by sequence.
/// </summary>
internal sealed class InlineProjectionsListener(
    EventTypeRegistry registry, FoldedStreams folded, Func<IReadOnlyList<IInlineProjection>> projections, Func<EventMetadata?> currentMetadata)
    : DocumentSessionListenerBase
{
    private static readonly System.Reflection.PropertyInfo AggregateTypeName =
        typeof(StreamAction).GetProperty(nameof(StreamAction.AggregateTypeName))
        ?? throw new InvalidOperationException("Marten's StreamAction has no AggregateTypeName any more; stream types cannot be kept.");

    // Sessions that run the projections themselves (MartenEventStore, which returns the stored events to its caller).
    private static readonly ConditionalWeakTable<IDocumentSession, object> SelfProjected = [];

    /// <summary>Marks a session whose owner runs the inline projections itself.</summary>
    public static void ProjectsItself(IDocumentSession session) => SelfProjected.AddOrUpdate(session, SelfProjected);

    public override Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken token)
    {
        // A stream a command starts through FetchForWriting is declared with the folded document's type; it is stored
        // under the stream type its kind has always had. Marten has already turned the type into the name it writes
        // (its setter is not public), so the name is set too; the append reads it when the batch is written.
        foreach (var stream in session.PendingChanges.Streams())
        {
            if (stream.AggregateType is { } type && folded.StreamTypeOf(type) is { } streamType)
            {
                stream.AggregateType = StreamTypes.For(session.DocumentStore, streamType);
                AggregateTypeName.SetValue(stream, streamType);
            }
        }

        if (SelfProjected.TryGetValue(session, out _))
        {
            return Task.CompletedTask;
        }

        var appended = session.PendingChanges.Streams().SelectMany(s => s.Events).ToList();
        if (appended.Count == 0)
        {
            return Task.CompletedTask;
        }

        if (currentMetadata() is { } metadata)
        {
            // The actor is always the authenticated principal of the request, whatever the session was told.
            foreach (var @event in appended)
            {
                Stamp(@event, metadata);
            }
        }

        if (session is not ITransactionParticipantRegistrar registrar)
        {
            throw new InvalidOperationException("This Marten session cannot run the inline projections in its transaction.");
        }

        registrar.AddTransactionParticipant(new Participant(registry, projections(), appended));
        return Task.CompletedTask;
    }

    internal static void Stamp(IEvent @event, EventMetadata metadata)
    {
        // The request's correlation and causation win over the ones Wolverine gives its sessions (its own trace ids).
        @event.UserName = metadata.Actor;
        @event.CorrelationId = metadata.CorrelationId ?? @event.CorrelationId;
        @event.CausationId = metadata.CausationId ?? @event.CausationId;
        if (metadata.TraceId is not null)
        {
            @event.SetHeader(EventMetadata.TraceIdHeader, metadata.TraceId);
        }

        foreach (var (key, value) in metadata.Headers ?? new Dictionary<string, string>())
        {
            @event.SetHeader(key, value);
        }
    }

    private sealed class Participant(EventTypeRegistry registry, IReadOnlyList<IInlineProjection> projections, List<IEvent> appended)
        : ITransactionParticipant
    {
        public async Task BeforeCommitAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken token)
        {
            if (projections.Count == 0)
            {
                return;
            }

            var stored = await StoredEvents.ReadBackAsync(connection, transaction, registry, appended, token);
            await using var context = new ProjectionContext(connection, transaction);
            foreach (var projection in projections)
            {
                await projection.ApplyAsync(context, stored, token);
            }

            await context.FlushAsync(token);
        }

        public Task AfterCommitAsync(CancellationToken token) => Task.CompletedTask;
    }
}

/// <summary>Events a session has just written, read back inside its transaction as the log stores them.</summary>
internal static class StoredEvents
{
    public static async Task<IReadOnlyList<StoredEvent>> ReadBackAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, EventTypeRegistry registry, IReadOnlyList<IEvent> appended, CancellationToken ct)
    {
        if (appended.FirstOrDefault(e => e.Sequence <= 0) is { } unnumbered)
        {
            throw new InvalidOperationException($"Marten did not report the sequence number of event {unnumbered.Id}.");
        }

        // By sequence number (primary keys; mt_events has no index on the event id), planned for this read (a generic
        // plan made while the tables were tiny scans them for ever after) — as MartenEventStore reads its appends back.
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL plan_cache_mode = force_custom_plan"));
        var read = new NpgsqlBatchCommand(
            "SELECT e.id, e.seq_id, e.version, e.timestamp, h.hash, h.tx_id, s.type FROM governance.mt_events e " +
            "JOIN governance.event_hashes h ON h.seq_id = e.seq_id JOIN governance.mt_streams s ON s.id = e.stream_id " +
            "WHERE e.seq_id = ANY($1)");
        read.Parameters.Add(new() { Value = appended.Select(a => a.Sequence).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        batch.BatchCommands.Add(read);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL plan_cache_mode TO DEFAULT"));
        var rows = new Dictionary<Guid, (long Seq, int Version, Instant At, byte[] Hash, ulong TxId, string StreamType)>();
        await using (var reader = await batch.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                rows[reader.GetGuid(0)] = (reader.GetInt64(1), (int)reader.GetInt64(2), reader.GetFieldValue<Instant>(3),
                    reader.GetFieldValue<byte[]>(4), reader.GetFieldValue<ulong>(5), reader.GetString(6));
            }
        }

        var stored = new List<StoredEvent>(appended.Count);
        foreach (var @event in appended)
        {
            var row = rows[@event.Id];
            stored.Add(new StoredEvent(row.Seq, row.TxId, @event.Id, @event.StreamKey!, row.StreamType, row.Version,
                registry.NameOf(@event.EventType), @event.Data, MetadataOf(@event), row.At, row.Hash));
        }

        return [.. stored.OrderBy(e => e.Seq)];
    }

    /// <summary>The metadata Marten keeps on an event, in the log's shape.</summary>
    public static EventMetadata MetadataOf(IEvent @event)
    {
        string? traceId = null;
        Dictionary<string, string>? headers = null;
        foreach (var (key, value) in @event.Headers ?? [])
        {
            var text = value?.ToString() ?? "";
            if (key == EventMetadata.TraceIdHeader)
            {
                traceId = text;
            }
            else
            {
                (headers ??= new Dictionary<string, string>(StringComparer.Ordinal))[key] = text;
            }
        }

        return new EventMetadata(@event.UserName ?? "unknown", @event.CorrelationId, @event.CausationId, traceId, headers);
    }
}
