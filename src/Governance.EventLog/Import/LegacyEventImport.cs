using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Governance.EventLog.Guarantees;
using JasperFx;
using Marten;
using Marten.Services;
using Microsoft.Extensions.Logging;
using NodaTime;
using Npgsql;
using NpgsqlTypes;

namespace Governance.EventLog.Import;

/// <summary>
/// Copies the log of the previous store (<c>governance.events</c>) into the event log on the first start of a
/// version that keeps its events in Marten, and leaves the old tables read-only.
/// </summary>
/// <remarks>
/// <para>
/// One transaction, under an advisory lock: either every event is in the log, the counts compared, the old tables
/// read-only and the import recorded in <c>governance.legacy_import</c>, or nothing changed at all (a crash or a
/// refusal half-way rolls back). A start that finds the record does nothing, so nodes starting together import once.
/// </para>
/// <para>
/// Events go in through Marten sessions, in the previous store's commit order <c>(tx_id, seq)</c>, keeping their id,
/// stream, version, name, body, actor, correlation, causation, trace id and headers, and the time they were recorded;
/// the database chains them into <c>event_hashes</c> as they go in. The sessions belong to a store of the import's
/// own, configured by <see cref="EventLogStore.Configure"/> like the service's but without projections (the service
/// rebuilds every projection once the import is done) and with a listener that keeps the recorded times.
/// </para>
/// </remarks>
public sealed class LegacyEventImport
{
    private const string Schema = EventLogOptions.Schema;
    private const string LegacyEvents = Schema + ".events";
    private const string LegacyStreams = Schema + ".streams";
    private const string RecordTable = Schema + ".legacy_import";
    private const string ReadOnlyFunction = Schema + ".legacy_log_read_only";

    // Statement-level BEFORE triggers fire before the old row triggers; among statement triggers PostgreSQL goes by
    // name, and this one sorts before the old events_no_truncate, so every refusal carries the import's sentence.
    private const string ReadOnlyTrigger = "events_imported_read_only";
    private const long ImportLockKey = 0x6C65_6761_6379; // "legacy"
    private const int ListLimit = 20;

    // An empty JSON object or SQL array, for raw SQL strings where braces interpolate.
    private const string Empty = "{}";

    private readonly EventLogOptions options;
    private readonly NpgsqlDataSource dataSource;
    private readonly ILogger logger;
    private readonly bool acceptBrokenLegacyChains;

    /// <param name="options">The log's options: its event types under their stored names.</param>
    /// <param name="dataSource">The log's data source (<see cref="EventLogKeys.DataSource"/>).</param>
    /// <param name="logger">Where the outcome is written: one line per import.</param>
    /// <param name="acceptBrokenLegacyChains">
    /// Import even when hash chains of the previous store do not verify (the broken streams are logged and recorded).
    /// Off by default: the new log would chain the altered events afresh, and the alteration would no longer show.
    /// </param>
    public LegacyEventImport(EventLogOptions options, NpgsqlDataSource dataSource, ILogger<LegacyEventImport> logger, bool acceptBrokenLegacyChains = false)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(logger);
        this.options = options;
        this.dataSource = dataSource;
        this.logger = logger;
        this.acceptBrokenLegacyChains = acceptBrokenLegacyChains;
    }

    /// <summary>Events read from the old table and appended per round of sessions.</summary>
    internal int PageSize { get; init; } = 2_000;

    /// <summary>
    /// Imports <c>governance.events</c> unless there is none or it was imported before. Call it once the log's schema
    /// is applied and before projections run; rebuild every projection when it returns a result.
    /// </summary>
    /// <returns>What was imported; <see langword="null"/> when there was nothing to import.</returns>
    /// <exception cref="LegacyImportRefusedException">The old log cannot be imported as it is; nothing was changed.</exception>
    public async Task<LegacyImportResult?> ImportIfPresentAsync(CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        if (await ScalarAsync<bool>(connection, null, $"SELECT to_regclass('{LegacyEvents}') IS NOT NULL", ct).ConfigureAwait(false) is false)
        {
            return null;
        }

        await using var tx = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);

        // Another node importing holds the lock for as long as the import takes; wait for it, then find its record.
        await ExecuteAsync(connection, tx, $"""
            SET LOCAL lock_timeout = 0;
            SELECT pg_advisory_xact_lock({ImportLockKey});
            CREATE TABLE IF NOT EXISTS {RecordTable} (
                id                   int         PRIMARY KEY DEFAULT 1 CHECK (id = 1),
                imported_at          timestamptz NOT NULL DEFAULT clock_timestamp(),
                events               bigint      NOT NULL,
                streams              bigint      NOT NULL,
                first_seq_id         bigint,
                last_seq_id          bigint,
                broken_legacy_chains text[]      NOT NULL DEFAULT '{Empty}'
            );
            """, ct).ConfigureAwait(false);
        if (await ScalarAsync<bool>(connection, tx, $"SELECT EXISTS (SELECT 1 FROM {RecordTable})", ct).ConfigureAwait(false))
        {
            return null;
        }

        var started = Stopwatch.GetTimestamp();
        await ExecuteAsync(connection, tx, $"LOCK TABLE {LegacyEvents}, {LegacyStreams} IN SHARE ROW EXCLUSIVE MODE", ct).ConfigureAwait(false);
        if (await ScalarAsync<long>(connection, tx, $"SELECT count(*) FROM {LegacyEvents}", ct).ConfigureAwait(false) == 0)
        {
            await MakeReadOnlyAsync(connection, tx, ct).ConfigureAwait(false);
            await RecordAsync(connection, tx, new LegacyImportResult(0, 0, new Dictionary<string, long>(), 0, 0, TimeSpan.Zero, []), ct).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
            logger.LogInformation("The previous store's log ({Table}) is empty: nothing to import; it is now read-only", LegacyEvents);
            return null;
        }

        await RefuseUnknownNamesAsync(connection, tx, ct).ConfigureAwait(false);
        await RefuseUnguardedOrNonEmptyLogAsync(connection, tx, ct).ConfigureAwait(false);
        var broken = await BrokenLegacyChainsAsync(connection, tx, ct).ConfigureAwait(false);

        using (var store = CreateImportStore())
        {
            await CopyAsync(store, connection, tx, ct).ConfigureAwait(false);
            await ArchiveAsync(store, connection, tx, ct).ConfigureAwait(false);
        }

        await ExecuteAsync(connection, tx, $"""
            UPDATE {Schema}.mt_streams m
               SET type = f.stream_type, created = coalesce(s.created_at, m.created), timestamp = coalesce(s.updated_at, m.timestamp)
              FROM {LegacyEvents} f LEFT JOIN {LegacyStreams} s ON s.id = f.stream_id
             WHERE f.stream_id = m.id AND f.version = 1
            """, ct).ConfigureAwait(false);
        var counts = await CompareAsync(connection, tx, ct).ConfigureAwait(false);
        await MakeReadOnlyAsync(connection, tx, ct).ConfigureAwait(false);
        var result = new LegacyImportResult(
            counts.Events, counts.Streams, counts.StreamsByType, counts.FirstSequence, counts.LastSequence,
            Stopwatch.GetElapsedTime(started), broken);
        await RecordAsync(connection, tx, result, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);

        logger.LogInformation(
            "Imported the previous store's log into the event log in {ElapsedMs} ms: {Events} events in {Streams} streams ({StreamTypes}), " +
            "seq_id {FirstSequence}..{LastSequence}. Compared before commit: events {LegacyEventCount} old = {ImportedEventCount} new, " +
            "streams {LegacyStreamCount} old = {ImportedStreamCount} new, the same number of events and the same version in every stream, every event with " +
            "its id, version, name, body, metadata and time, in the old commit order. {Table} and {StreamsTable} are now read-only.",
            (long)result.Elapsed.TotalMilliseconds, result.Events, result.Streams,
            string.Join(", ", result.StreamsByType.Select(t => $"{t.Key}: {t.Value}")),
            result.FirstSequence, result.LastSequence, counts.LegacyEvents, counts.Events, counts.LegacyStreams, counts.Streams,
            LegacyEvents, LegacyStreams);
        if (broken.Count > 0)
        {
            logger.LogWarning(
                "The previous store's hash chains of {BrokenCount} streams did not verify; their events were imported as they are, " +
                "as the import was told to accept it, and are recorded in {RecordTable}: {BrokenStreams}",
                broken.Count, RecordTable, string.Join(", ", broken.Take(ListLimit)) + (broken.Count > ListLimit ? ", …" : ""));
        }

        return result;
    }

    private DocumentStore CreateImportStore() => DocumentStore.For(opts =>
    {
        EventLogStore.Configure(opts, options, dataSource, SystemClock.Instance);
        var stamping = opts.Listeners.FindIndex(l => l is ClockStamping);
        opts.Listeners[stamping] = ClockStamping.KeepingRecordedTimes(options.Registry);

        // The service applied the schema before calling; this store must not migrate anything of its own accord.
        opts.AutoCreateSchemaObjects = AutoCreate.None;

        // Marten would log failed batches with their parameters, which are event bodies.
        opts.DisableNpgsqlLogging = true;
    });

    private async Task RefuseUnknownNamesAsync(NpgsqlConnection connection, NpgsqlTransaction tx, CancellationToken ct)
    {
        var unknown = new List<string>();
        await using (var cmd = Command(connection, tx, $"SELECT type, count(*) FROM {LegacyEvents} GROUP BY type ORDER BY type"))
        await using (var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                var name = reader.GetString(0);
                if (options.Registry.TypeOf(name) is null)
                {
                    var count = reader.GetInt64(1);
                    unknown.Add($"'{name}' ({count} {(count == 1 ? "event" : "events")})");
                }
            }
        }

        if (unknown.Count > 0)
        {
            throw new LegacyImportRefusedException(
                $"The previous store's events in {LegacyEvents} were not imported: no registered event type has the name " +
                $"{string.Join(", ", unknown)}. Register a type under each of these names (registry.Register<T>(\"name\")) " +
                $"and start again. Nothing was imported and {LegacyEvents} is unchanged.");
        }
    }

    private async Task RefuseUnguardedOrNonEmptyLogAsync(NpgsqlConnection connection, NpgsqlTransaction tx, CancellationToken ct)
    {
        var missing = await EventLogStartupCheck.MissingTriggersAsync(dataSource, Schema, ct).ConfigureAwait(false);
        if (missing.Count > 0)
        {
            throw new LegacyImportRefusedException(
                $"The previous store's events were not imported: the event log's guarantees are not installed (missing triggers: " +
                $"{string.Join(", ", missing)}). Apply the log's schema before the import. Nothing was imported.");
        }

        var present = await ScalarAsync<long>(connection, tx,
            $"SELECT count(*) FROM {Schema}.mt_events WHERE stream_id <> '{LogGuarantees.TombstoneStream}'", ct).ConfigureAwait(false);
        if (present > 0)
        {
            throw new LegacyImportRefusedException(
                $"The previous store's events in {LegacyEvents} were not imported: the event log already holds {present} events, " +
                "and the old events cannot be put before them. Start the new version on the database the previous version used, " +
                "before anything is written to the new log. Nothing was imported.");
        }
    }

    /// <summary>The streams of the old log whose chain does not verify, the way the previous store verified it.</summary>
    private async Task<IReadOnlyList<string>> BrokenLegacyChainsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, CancellationToken ct)
    {
        // The previous store's canonical bytes (governance.event_canonical), written out so that nothing depends on
        // the old function still being there.
        const string canonical = """
            convert_to(e.id::text || chr(31) || e.stream_id || chr(31) || e.stream_type || chr(31) || e.version::text || chr(31) ||
                       e.type || chr(31) || e.data::text || chr(31) || e.metadata::text || chr(31) ||
                       to_char(e.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'UTF8')
            """;
        var broken = new List<string>();
        await using (var cmd = Command(connection, tx, $"""
            WITH chain AS (
                SELECT e.stream_id, e.version, e.hash, lag(e.version) OVER w AS previous_version,
                       sha256(coalesce(lag(e.hash) OVER w, '\x'::bytea) || {canonical}) AS expected
                FROM {LegacyEvents} e
                WINDOW w AS (PARTITION BY e.stream_id ORDER BY e.version)
            )
            SELECT stream_id FROM chain WHERE hash <> expected OR coalesce(previous_version, 0) <> version - 1
            UNION
            SELECT s.id FROM {LegacyStreams} s LEFT JOIN {LegacyEvents} e ON e.stream_id = s.id AND e.version = s.version
            WHERE e.hash IS DISTINCT FROM s.last_hash
            ORDER BY 1
            """))
        await using (var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                broken.Add(reader.GetString(0));
            }
        }

        if (broken.Count > 0 && !acceptBrokenLegacyChains)
        {
            throw new LegacyImportRefusedException(
                $"The previous store's events in {LegacyEvents} were not imported: the hash chains of {broken.Count} " +
                $"{(broken.Count == 1 ? "stream do" : "streams do")} not verify ({string.Join(", ", broken.Take(ListLimit))}" +
                $"{(broken.Count > ListLimit ? ", …" : "")}), so events were changed or removed behind the previous store's back, and the " +
                "new log would chain them afresh. Investigate; to import them as they are, start once with the import told to accept " +
                "broken chains (they are then logged and recorded in governance.legacy_import). Nothing was imported.");
        }

        return broken;
    }

    private sealed record LegacyRow(
        ulong TxId, long Seq, Guid Id, string StreamId, int Version, string Type, string Data, string Metadata, Instant RecordedAt);

    private async Task CopyAsync(DocumentStore store, NpgsqlConnection connection, NpgsqlTransaction tx, CancellationToken ct)
    {
        var serializer = store.Options.Serializer();
        var versions = new Dictionary<string, long>(StringComparer.Ordinal);
        var after = (TxId: 0UL, Seq: 0L);
        while (true)
        {
            var page = await ReadPageAsync(connection, tx, after, ct).ConfigureAwait(false);
            if (page.Count == 0)
            {
                return;
            }

            // A session gathers everything appended to one stream into one action, written where the stream was first
            // touched; a stream met again after another one must wait for the next session, or the order would change.
            IDocumentSession? session = null;
            var inSession = new HashSet<string>(StringComparer.Ordinal);
            try
            {
                for (var start = 0; start < page.Count;)
                {
                    var end = start + 1;
                    while (end < page.Count && page[end].StreamId == page[start].StreamId)
                    {
                        end++;
                    }

                    if (session is null || !inSession.Add(page[start].StreamId))
                    {
                        if (session is not null)
                        {
                            await session.SaveChangesAsync(ct).ConfigureAwait(false);
                            await session.DisposeAsync().ConfigureAwait(false);
                            session = null;
                        }

                        session = OpenSession(store, tx);
                        inSession.Clear();
                        inSession.Add(page[start].StreamId);
                    }

                    Append(session, serializer, page, start, end, versions);
                    start = end;
                }

                await session!.SaveChangesAsync(ct).ConfigureAwait(false);
            }
            finally
            {
                if (session is not null)
                {
                    await session.DisposeAsync().ConfigureAwait(false);
                }
            }

            after = (page[^1].TxId, page[^1].Seq);
        }
    }

    private static IDocumentSession OpenSession(DocumentStore store, NpgsqlTransaction tx)
    {
        var session = store.LightweightSession(SessionOptions.ForTransaction(tx));

        // Metadata comes from each old event; nothing of the importing process (its trace, its user) may fill a gap.
        session.CorrelationId = null;
        session.CausationId = null;
        session.LastModifiedBy = null;
        return session;
    }

    private async Task<List<LegacyRow>> ReadPageAsync(NpgsqlConnection connection, NpgsqlTransaction tx, (ulong TxId, long Seq) after, CancellationToken ct)
    {
        await using var cmd = Command(connection, tx,
            $"SELECT tx_id, seq, id, stream_id, version, type, data::text, metadata::text, recorded_at FROM {LegacyEvents} " +
            "WHERE (tx_id, seq) > ($1, $2) ORDER BY tx_id, seq LIMIT $3");
        cmd.Parameters.Add(new() { Value = after.TxId, NpgsqlDbType = NpgsqlDbType.Xid8 });
        cmd.Parameters.Add(new() { Value = after.Seq });
        cmd.Parameters.Add(new() { Value = PageSize });
        var page = new List<LegacyRow>(PageSize);
        await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            page.Add(new LegacyRow(
                reader.GetFieldValue<ulong>(0), reader.GetInt64(1), reader.GetGuid(2), reader.GetString(3), reader.GetInt32(4),
                reader.GetString(5), reader.GetString(6), reader.GetString(7), reader.GetFieldValue<Instant>(8)));
        }

        return page;
    }

    private void Append(IDocumentSession session, ISerializer serializer, List<LegacyRow> page, int start, int end, Dictionary<string, long> versions)
    {
        var streamId = page[start].StreamId;
        var isNew = !versions.TryGetValue(streamId, out var version);
        var events = new object[end - start];
        for (var i = start; i < end; i++)
        {
            var row = page[i];
            if (row.Version != version + 1)
            {
                throw new LegacyImportRefusedException(
                    $"The previous store's events in {LegacyEvents} were not imported: in its commit order, stream '{streamId}' goes " +
                    $"from version {version} to version {row.Version}, so its events cannot be appended in that order. Nothing was imported.");
            }

            version = row.Version;
            events[i - start] = ToEvent(session, serializer, row);
        }

        if (isNew)
        {
            // The stream type is a marker here (Marten insists on one); the old type is written to mt_streams afterwards.
            session.Events.StartStream<ImportedStream>(streamId, events);
        }
        else
        {
            session.Events.Append(streamId, version, events);
        }

        versions[streamId] = version;
    }

    private object ToEvent(IDocumentSession session, ISerializer serializer, LegacyRow row)
    {
        var type = options.Registry.TypeOf(row.Type)!;
        object? data;
        try
        {
            using var body = new MemoryStream(Encoding.UTF8.GetBytes(row.Data));
            data = serializer.FromJson(type, body);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or NotSupportedException)
        {
            throw new LegacyImportRefusedException(
                $"The previous store's events in {LegacyEvents} were not imported: the body of '{row.Type}' at stream '{row.StreamId}' " +
                $"version {row.Version} cannot be read as that event ({ex.Message}). Nothing was imported.");
        }

        if (data is null)
        {
            throw new LegacyImportRefusedException(
                $"The previous store's events in {LegacyEvents} were not imported: '{row.Type}' at stream '{row.StreamId}' " +
                $"version {row.Version} has an empty body. Nothing was imported.");
        }

        var @event = session.Events.BuildEvent(data);
        @event.Id = row.Id;
        @event.Timestamp = row.RecordedAt.ToDateTimeOffset();

        using var metadata = JsonDocument.Parse(row.Metadata);
        var root = metadata.RootElement;
        @event.UserName = Text(root, "actor");
        @event.CorrelationId = Text(root, "correlationId");
        @event.CausationId = Text(root, "causationId");

        // As SessionMetadataExtensions.WithMetadata writes them: the trace id first, then the client headers.
        var headers = new Dictionary<string, object>(StringComparer.Ordinal);
        if (Text(root, "traceId") is { } traceId)
        {
            headers[EventMetadata.TraceIdHeader] = traceId;
        }

        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("headers", out var old) && old.ValueKind == JsonValueKind.Object)
        {
            foreach (var header in old.EnumerateObject())
            {
                headers[header.Name] = header.Value.ValueKind == JsonValueKind.String ? header.Value.GetString()! : header.Value.GetRawText();
            }
        }

        @event.Headers = headers.Count == 0 ? null : headers;
        return @event;
    }

    private static string? Text(JsonElement root, string name) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    /// <summary>Streams the previous store had archived are archived in the log too (Marten's archive, allowed by the guard).</summary>
    private static async Task ArchiveAsync(DocumentStore store, NpgsqlConnection connection, NpgsqlTransaction tx, CancellationToken ct)
    {
        var archived = new List<string>();
        await using (var cmd = Command(connection, tx, $"SELECT id FROM {LegacyStreams} WHERE archived ORDER BY id"))
        await using (var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                archived.Add(reader.GetString(0));
            }
        }

        if (archived.Count == 0)
        {
            return;
        }

        await using var session = OpenSession(store, tx);
        foreach (var id in archived)
        {
            session.Events.ArchiveStream(id);
        }

        await session.SaveChangesAsync(ct).ConfigureAwait(false);
    }

    private sealed record Counts(
        long LegacyEvents, long Events, long LegacyStreams, long Streams,
        IReadOnlyDictionary<string, long> StreamsByType, long FirstSequence, long LastSequence);

    /// <summary>Compares the log with the old table, event by event and stream by stream; any difference refuses the import.</summary>
    private static async Task<Counts> CompareAsync(NpgsqlConnection connection, NpgsqlTransaction tx, CancellationToken ct)
    {
        // An event without headers has the JSON null in mt_events.headers (Marten writes it so), an old one no "headers".
        var tombstone = LogGuarantees.TombstoneStream;
        var differences = new List<(string Stream, long Version, string Name, string What, long Total)>();
        await using (var cmd = Command(connection, tx, $"""
            WITH diff AS (
                SELECT o.tx_id, o.seq, o.stream_id, o.version, o.type,
                       CASE WHEN n.id IS NULL THEN 'is missing'
                            WHEN n.stream_id <> o.stream_id OR n.version <> o.version THEN 'is in another stream or at another version'
                            WHEN n.type <> o.type THEN 'has another name'
                            WHEN n.data <> o.data THEN 'has another body'
                            WHEN n.timestamp <> o.recorded_at THEN 'has another time'
                            ELSE 'has other metadata' END AS what
                FROM {LegacyEvents} o
                LEFT JOIN {Schema}.mt_events n ON n.id = o.id
                WHERE n.id IS NULL OR n.stream_id <> o.stream_id OR n.version <> o.version OR n.type <> o.type
                   OR n.data <> o.data OR n.timestamp <> o.recorded_at
                   OR n.user_name IS DISTINCT FROM o.metadata->>'actor'
                   OR n.correlation_id IS DISTINCT FROM o.metadata->>'correlationId'
                   OR n.causation_id IS DISTINCT FROM o.metadata->>'causationId'
                   OR coalesce(nullif(n.headers, 'null'::jsonb), '{Empty}') <>
                      (CASE WHEN jsonb_typeof(o.metadata->'traceId') = 'string'
                            THEN jsonb_build_object('{EventMetadata.TraceIdHeader}', o.metadata->'traceId') ELSE '{Empty}' END ||
                       CASE WHEN jsonb_typeof(o.metadata->'headers') = 'object' THEN o.metadata->'headers' ELSE '{Empty}' END)
            )
            SELECT stream_id, version, type, what, count(*) OVER () FROM diff ORDER BY tx_id, seq LIMIT {ListLimit}
            """))
        await using (var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                differences.Add((reader.GetString(0), reader.GetInt32(1), reader.GetString(2), reader.GetString(3), reader.GetInt64(4)));
            }
        }

        if (differences.Count > 0)
        {
            var examples = differences.GroupBy(d => (d.What, d.Name))
                .Select(g => $"'{g.Key.Name}' {g.Key.What} (first: stream '{g.First().Stream}' version {g.First().Version})");
            var bodies = differences.Any(d => d.What == "has another body")
                ? " A body changes when its registered type does not read and write back every field the old body has: give the type those fields."
                : "";
            throw new LegacyImportRefusedException(
                $"The previous store's events in {LegacyEvents} were not imported: {differences[0].Total} events would not be what the " +
                $"previous store recorded: {string.Join("; ", examples)}.{bodies} Nothing was imported.");
        }

        await using var summary = Command(connection, tx, $"""
            WITH old AS (
                SELECT stream_id, count(*) AS events, max(version) AS version FROM {LegacyEvents} GROUP BY stream_id
            ), new AS (
                SELECT stream_id, count(*) AS events, max(version) AS version FROM {Schema}.mt_events
                WHERE stream_id <> '{tombstone}' GROUP BY stream_id
            ), ordered AS (
                SELECT o.id, o.r AS old_position, n.r AS new_position
                FROM (SELECT id, row_number() OVER (ORDER BY tx_id, seq) AS r FROM {LegacyEvents}) o
                JOIN (SELECT id, row_number() OVER (ORDER BY seq_id) AS r FROM {Schema}.mt_events WHERE stream_id <> '{tombstone}') n USING (id)
            )
            SELECT (SELECT count(*) FROM {LegacyEvents}),
                   (SELECT count(*) FROM {Schema}.mt_events WHERE stream_id <> '{tombstone}'),
                   (SELECT count(*) FROM old),
                   (SELECT count(*) FROM {Schema}.mt_streams WHERE id <> '{tombstone}'),
                   (SELECT count(*) FROM old FULL JOIN new USING (stream_id)
                     WHERE old.events IS DISTINCT FROM new.events OR old.version IS DISTINCT FROM new.version),
                   (SELECT count(*) FROM old JOIN {Schema}.mt_streams m ON m.id = old.stream_id
                     JOIN {LegacyEvents} f ON f.stream_id = old.stream_id AND f.version = 1
                     WHERE m.version <> old.version OR m.type IS DISTINCT FROM f.stream_type),
                   (SELECT count(*) FROM ordered WHERE old_position <> new_position),
                   (SELECT coalesce(min(seq_id), 0) FROM {Schema}.mt_events WHERE stream_id <> '{tombstone}'),
                   (SELECT coalesce(max(seq_id), 0) FROM {Schema}.mt_events WHERE stream_id <> '{tombstone}');
            SELECT type, count(*) FROM {Schema}.mt_streams WHERE id <> '{tombstone}' GROUP BY type ORDER BY type;
            """);
        await using var rows = await summary.ExecuteReaderAsync(ct).ConfigureAwait(false);
        await rows.ReadAsync(ct).ConfigureAwait(false);
        var legacyEvents = rows.GetInt64(0);
        var events = rows.GetInt64(1);
        var legacyStreams = rows.GetInt64(2);
        var streams = rows.GetInt64(3);
        var streamsDiffering = rows.GetInt64(4);
        var headsDiffering = rows.GetInt64(5);
        var outOfOrder = rows.GetInt64(6);
        var first = rows.GetInt64(7);
        var last = rows.GetInt64(8);
        await rows.NextResultAsync(ct).ConfigureAwait(false);
        var byType = new SortedDictionary<string, long>(StringComparer.Ordinal);
        while (await rows.ReadAsync(ct).ConfigureAwait(false))
        {
            byType[rows.IsDBNull(0) ? "" : rows.GetString(0)] = rows.GetInt64(1);
        }

        if (legacyEvents != events || legacyStreams != streams || streamsDiffering > 0 || headsDiffering > 0 || outOfOrder > 0)
        {
            throw new LegacyImportRefusedException(
                $"The previous store's events in {LegacyEvents} were not imported: the log would not match it (events {legacyEvents} old, " +
                $"{events} new; streams {legacyStreams} old, {streams} new; {streamsDiffering} streams with other event counts or versions; " +
                $"{headsDiffering} stream heads with another type or version; {outOfOrder} events out of the old commit order). Nothing was imported.");
        }

        return new Counts(legacyEvents, events, legacyStreams, streams, byType, first, last);
    }

    private static Task MakeReadOnlyAsync(NpgsqlConnection connection, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(connection, tx, $"""
            CREATE OR REPLACE FUNCTION {ReadOnlyFunction}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '%.% was imported into {Schema}.mt_events and is kept read-only: % is not allowed', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP
                    USING ERRCODE = '42501', HINT = 'The event log is {Schema}.mt_events. The table can be dropped by hand once it is no longer wanted as a record.';
            END $$;
            DROP TRIGGER IF EXISTS {ReadOnlyTrigger} ON {LegacyEvents};
            CREATE TRIGGER {ReadOnlyTrigger} BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON {LegacyEvents}
                FOR EACH STATEMENT EXECUTE FUNCTION {ReadOnlyFunction}();
            DROP TRIGGER IF EXISTS {ReadOnlyTrigger} ON {LegacyStreams};
            CREATE TRIGGER {ReadOnlyTrigger} BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON {LegacyStreams}
                FOR EACH STATEMENT EXECUTE FUNCTION {ReadOnlyFunction}();
            """, ct);

    private static async Task RecordAsync(NpgsqlConnection connection, NpgsqlTransaction tx, LegacyImportResult result, CancellationToken ct)
    {
        await using var cmd = Command(connection, tx,
            $"INSERT INTO {RecordTable} (events, streams, first_seq_id, last_seq_id, broken_legacy_chains) VALUES ($1, $2, $3, $4, $5)");
        cmd.Parameters.Add(new() { Value = result.Events });
        cmd.Parameters.Add(new() { Value = result.Streams });
        cmd.Parameters.Add(new() { Value = result.Events == 0 ? DBNull.Value : result.FirstSequence, NpgsqlDbType = NpgsqlDbType.Bigint });
        cmd.Parameters.Add(new() { Value = result.Events == 0 ? DBNull.Value : result.LastSequence, NpgsqlDbType = NpgsqlDbType.Bigint });
        cmd.Parameters.Add(new() { Value = result.BrokenLegacyChains.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    // Statements over the whole old table can outlast Npgsql's default 30 s on a large log.
    private static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? tx, string sql) =>
        new(sql, connection, tx) { CommandTimeout = 0 };

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, CancellationToken ct)
    {
        await using var cmd = Command(connection, tx, sql);
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, NpgsqlTransaction? tx, string sql, CancellationToken ct)
    {
        await using var cmd = Command(connection, tx, sql);
        return (T)(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
    }

    /// <summary>The stream type Marten is given when an imported stream starts; replaced by the old type before commit.</summary>
    private sealed class ImportedStream;
}
