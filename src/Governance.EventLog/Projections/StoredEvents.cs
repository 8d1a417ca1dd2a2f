using JasperFx.Events;
using NodaTime;
using Npgsql;
using NpgsqlTypes;

namespace Governance.EventLog.Projections;

/// <summary>Events a session has just written, read back inside its transaction as the log stores them.</summary>
internal static class StoredEvents
{
    /// <summary>What the log stored for one appended event: sequence, version, time, hash, transaction and stream type.</summary>
    public readonly record struct Row(long Seq, int Version, Instant At, byte[] Hash, ulong TxId, string StreamType);

    /// <summary>The appended events as stored, in log order, each with the metadata Marten keeps on it.</summary>
    public static async Task<IReadOnlyList<StoredEvent>> ReadBackAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, EventTypeRegistry registry, IReadOnlyList<IEvent> appended, CancellationToken ct)
    {
        var rows = await ReadRowsAsync(connection, transaction, appended, ct);
        return [.. appended.Select(e => (Event: e, Row: RowOf(rows, e)))
            .Select(a => new StoredEvent(a.Row.Seq, a.Row.TxId, a.Event.Id, a.Event.StreamKey!, a.Row.StreamType, a.Row.Version,
                registry.NameOf(a.Event.EventType), a.Event.Data, MetadataOf(a.Event), a.Row.At, a.Row.Hash))
            .OrderBy(e => e.Seq)];
    }

    /// <summary>
    /// The stored rows of <paramref name="appended"/>, by event id, read by the sequence numbers Marten returned
    /// (primary-key probes: <c>mt_events</c> has no index on the event id, so reading by id scanned the whole log on every
    /// commit — 7.9 ms a group at 25,000 events, growing with the log; by this transaction's id in event_hashes, planned
    /// on a young table, scanned mt_events again). Planned for this read, in the same round trip: a
    /// prepared statement's generic plan, made while the tables were a page or two, scanned them on every commit after.
    /// </summary>
    public static async Task<IReadOnlyDictionary<Guid, Row>> ReadRowsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<IEvent> appended, CancellationToken ct)
    {
        if (appended.FirstOrDefault(e => e.Sequence <= 0) is { } unnumbered)
        {
            throw new InvalidOperationException($"Marten did not report the sequence number of event {unnumbered.Id}.");
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL plan_cache_mode = force_custom_plan"));
        var read = new NpgsqlBatchCommand(
            "SELECT e.id, e.seq_id, e.version, e.timestamp, h.hash, h.tx_id, s.type FROM governance.mt_events e " +
            "JOIN governance.event_hashes h ON h.seq_id = e.seq_id JOIN governance.mt_streams s ON s.id = e.stream_id " +
            "WHERE e.seq_id = ANY($1)");
        read.Parameters.Add(new() { Value = appended.Select(a => a.Sequence).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        batch.BatchCommands.Add(read);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL plan_cache_mode TO DEFAULT"));
        var rows = new Dictionary<Guid, Row>(appended.Count);
        await using var reader = await batch.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows[reader.GetGuid(0)] = new Row(reader.GetInt64(1), (int)reader.GetInt64(2), reader.GetFieldValue<Instant>(3),
                reader.GetFieldValue<byte[]>(4), reader.GetFieldValue<ulong>(5), reader.GetString(6));
        }

        return rows;
    }

    /// <summary>The stored row of <paramref name="event"/>; an error when Marten's sequence number did not lead to it.</summary>
    public static Row RowOf(IReadOnlyDictionary<Guid, Row> rows, IEvent @event) =>
        rows.TryGetValue(@event.Id, out var row)
            ? row
            : throw new InvalidOperationException($"Event {@event.Id} was not found where Marten said it stored it ({@event.Sequence}).");

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
