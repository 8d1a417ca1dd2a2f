using Npgsql;

namespace Governance.EventLog.Guarantees;

/// <summary>One stream's hash chain that failed verification, at the first event that does not check out.</summary>
public sealed record BrokenChain(string StreamId, long Version, long Seq, string Reason);

/// <summary>The outcome of recomputing every hash chain.</summary>
public sealed record HashChainReport(bool Verified, long Streams, long Events, IReadOnlyList<BrokenChain> Broken);

/// <summary>Recomputes every stream's hash chain from the stored events and names each stream that breaks.</summary>
public sealed class HashChainVerifier(NpgsqlDataSource dataSource, string schema = EventLogOptions.Schema)
{
    private const int MaxFindings = 1000;

    /// <summary>Recomputes every chain in one pass over the log.</summary>
    public async Task<HashChainReport> VerifyAsync(CancellationToken ct = default)
    {
        // Each link is checked against the recorded hash of its predecessor, so one edited event is reported
        // once, at itself. An event without a hash was inserted past the trigger; a hash without an event, or a
        // version gap, means an event was deleted; a stream whose head is not its last event was rewound.
        var sql = $"""
            WITH events AS (
                SELECT e.seq_id, e.stream_id, e.version, h.hash, h.seq_id AS hashed,
                       sha256(coalesce(lag(h.hash) OVER w, '\x'::bytea) || {LogGuarantees.CanonicalBytes("e")}) AS expected,
                       lag(e.version) OVER w AS previous_version
                FROM {schema}.mt_events e
                LEFT JOIN {schema}.{LogGuarantees.HashTable} h ON h.seq_id = e.seq_id
                WHERE e.stream_id <> '{LogGuarantees.TombstoneStream}'
                WINDOW w AS (PARTITION BY e.stream_id ORDER BY e.version)
            ), findings AS (
                SELECT stream_id, version, seq_id,
                       CASE WHEN hashed IS NULL THEN 'event has no recorded hash'
                            WHEN coalesce(previous_version, 0) <> version - 1 THEN 'version gap before this event'
                            ELSE 'hash does not match the event and its predecessor' END AS reason
                FROM events
                WHERE hashed IS NULL OR hash <> expected OR coalesce(previous_version, 0) <> version - 1
                UNION ALL
                SELECT h.stream_id, h.version, h.seq_id, 'recorded hash has no event'
                FROM {schema}.{LogGuarantees.HashTable} h
                LEFT JOIN {schema}.mt_events e ON e.seq_id = h.seq_id
                WHERE e.seq_id IS NULL
                UNION ALL
                SELECT s.id, s.version, coalesce(e.seq_id, 0), 'stream head does not match its last event'
                FROM {schema}.mt_streams s
                LEFT JOIN LATERAL (SELECT max(x.version) AS version, max(x.seq_id) AS seq_id
                                   FROM {schema}.mt_events x WHERE x.stream_id = s.id) e ON true
                WHERE s.id <> '{LogGuarantees.TombstoneStream}' AND e.version IS DISTINCT FROM s.version
            )
            SELECT stream_id, version, seq_id, reason FROM findings ORDER BY stream_id, version LIMIT {MaxFindings};
            SELECT (SELECT count(*) FROM {schema}.mt_streams WHERE id <> '{LogGuarantees.TombstoneStream}'),
                   (SELECT count(*) FROM {schema}.mt_events WHERE stream_id <> '{LogGuarantees.TombstoneStream}');
            """;
        await using var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand(sql, connection);
        await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var findings = new List<BrokenChain>();
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            findings.Add(new BrokenChain(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetString(3)));
        }

        await reader.NextResultAsync(ct).ConfigureAwait(false);
        await reader.ReadAsync(ct).ConfigureAwait(false);
        var streams = reader.GetInt64(0);
        var events = reader.GetInt64(1);

        // A stream is named once, at its first finding.
        var broken = findings.GroupBy(f => f.StreamId, StringComparer.Ordinal).Select(g => g.First()).ToList();
        return new HashChainReport(broken.Count == 0, streams, events, broken);
    }
}
