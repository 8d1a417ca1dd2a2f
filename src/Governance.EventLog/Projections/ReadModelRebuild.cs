using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Governance.EventLog.Projections;

/// <summary>
/// Rebuilds the inline projections' tables from the log, in one transaction: empties every table an
/// <see cref="IInlineProjection"/> lists in <see cref="IInlineProjection.Tables"/>, replays the whole log through every
/// inline projection in commit order, and commits. Readers see the old rows until the commit and the rebuilt ones after
/// it, never a half-built table; a failure changes nothing. Tables no projection lists (API key hashes, sessions,
/// remembered answers, measurements) are not touched.
/// </summary>
/// <remarks>
/// The replay applies each original transaction's events together, projection by projection, exactly as the append
/// did, so a projection that reads another's rows sees what it saw then. Emptying takes an exclusive lock on the tables:
/// meant for a stopped service (the <c>projections --rebuild</c> command, the import of an old store's data before the
/// first start); a running service's writes and reads of those tables wait for the commit.
/// </remarks>
public sealed partial class ReadModelRebuild
{
    /// <summary>Events read from the log per round trip (a few thousand: one batch of projection writes each).</summary>
    public int BatchSize { get; init; } = 2_000;

    /// <summary>
    /// How long the rebuild waits for events held back behind a transaction still open (they cannot be read before it
    /// ends) before it gives up and changes nothing.
    /// </summary>
    public TimeSpan HoldBackTimeout { get; init; } = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan HoldBackPoll = TimeSpan.FromMilliseconds(50);

    private readonly IEventStore store;
    private readonly NpgsqlDataSource dataSource;
    private readonly IReadOnlyList<IInlineProjection> projections;
    private readonly ILogger<ReadModelRebuild> logger;

    public ReadModelRebuild(IEventStore store, NpgsqlDataSource dataSource, IEnumerable<IInlineProjection> projections, ILogger<ReadModelRebuild> logger)
    {
        this.store = store;
        this.dataSource = dataSource;
        this.projections = [.. projections];
        this.logger = logger;
        Tables = OwnedTables(this.projections);
    }

    /// <summary>Every table the inline projections own, each once, in the order they list them.</summary>
    public IReadOnlyList<string> Tables { get; }

    /// <summary>Empties the projections' tables and replays the log into them; returns what was done.</summary>
    /// <exception cref="ReadModelRebuildException">The log could not be read to its end; nothing was changed.</exception>
    public async Task<ReadModelRebuildReport> RunAsync(CancellationToken ct = default)
    {
        var started = Stopwatch.GetTimestamp();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await RefuseBeforeImportAsync(connection, ct);
        await using var tx = await connection.BeginTransactionAsync(ct);

        // Counted before anything is replayed: everything committed now must be replayed, or the rebuild is refused.
        var committed = (long)(await ScalarAsync(connection, tx, $"SELECT count(*) FROM {EventLogOptions.Schema}.mt_events", ct) ?? 0L);
        await using (var truncate = new NpgsqlCommand($"TRUNCATE {string.Join(", ", Tables)}", connection, tx))
        {
            await truncate.ExecuteNonQueryAsync(ct);
        }

        long replayed = 0;
        await using (var context = new ProjectionContext(connection, tx))
        {
            var position = LogPosition.Start;
            List<StoredEvent> pending = [];
            long? waitingSince = null;
            while (true)
            {
                var page = await store.ReadAllAsync(position, BatchSize, ct);
                if (page.Count > 0)
                {
                    position = new LogPosition(page[^1].TxId, page[^1].Seq);
                }

                var more = page.Count == BatchSize;
                pending.AddRange(page);

                // The last transaction of a full page may go on in the next one: it waits, unless it is all there is.
                var ready = pending;
                pending = [];
                if (more && ready.FindIndex(e => e.TxId == ready[^1].TxId) is var cut and > 0)
                {
                    pending = ready[cut..];
                    ready = ready[..cut];
                }

                foreach (var transaction in ByTransaction(ready))
                {
                    foreach (var projection in projections)
                    {
                        await projection.ApplyAsync(context, transaction, ct);
                    }
                }

                await context.FlushAsync(ct);
                replayed += ready.Count;
                if (more || pending.Count > 0)
                {
                    continue;
                }

                // The reader only sees below the oldest transaction still running: events committed after one that is
                // still open wait behind it. A short one (the daemon's batch) ends soon; one left open does not.
                waitingSince ??= Stopwatch.GetTimestamp();
                if (replayed >= committed || Stopwatch.GetElapsedTime(waitingSince.Value) > HoldBackTimeout)
                {
                    break;
                }

                await Task.Delay(HoldBackPoll, ct);
            }
        }

        if (replayed < committed)
        {
            throw new ReadModelRebuildException(
                $"Only {replayed} of the log's {committed} events could be read: a transaction still open on the database holds the rest back. " +
                "Stop every service and client writing to it, then rebuild again; nothing was changed.");
        }

        var rows = new List<TableRows>(Tables.Count);
        foreach (var table in Tables)
        {
            rows.Add(new TableRows(table, (long)(await ScalarAsync(connection, tx, $"SELECT count(*) FROM {table}", ct) ?? 0L)));
        }

        await tx.CommitAsync(ct);
        var report = new ReadModelRebuildReport(replayed, rows, Stopwatch.GetElapsedTime(started));
        logger.LogInformation(
            "Rebuilt the inline read models: {Events} events replayed through {Projections} projections in {Seconds} s; rows: {Rows}",
            report.Events, projections.Count, report.Took.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture),
            string.Join(", ", rows.Select(r => $"{r.Table} {r.Rows}")));
        return report;
    }

    // A database of the previous store whose log has not been imported yet: replaying the (empty) Marten log would
    // empty read models that only that old log can give back.
    private static async Task RefuseBeforeImportAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        const string legacy = EventLogOptions.Schema + ".events";
        const string record = EventLogOptions.Schema + ".legacy_import";
        if (await ScalarAsync(connection, null, $"SELECT to_regclass('{legacy}') IS NOT NULL", ct) is not true)
        {
            return;
        }

        var imported = await ScalarAsync(connection, null, $"SELECT to_regclass('{record}') IS NOT NULL", ct) is true
            && await ScalarAsync(connection, null, $"SELECT EXISTS (SELECT 1 FROM {record})", ct) is true;
        if (!imported)
        {
            throw new ReadModelRebuildException(
                $"This database still holds the previous store's log ({legacy}), not imported yet: start the service once, " +
                "which imports it and rebuilds the projections. Nothing was changed.");
        }
    }

    private static IEnumerable<IReadOnlyList<StoredEvent>> ByTransaction(List<StoredEvent> events)
    {
        var start = 0;
        for (var i = 1; i <= events.Count; i++)
        {
            if (i == events.Count || events[i].TxId != events[start].TxId)
            {
                yield return events[start..i];
                start = i;
            }
        }
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, connection, tx);
        return await cmd.ExecuteScalarAsync(ct);
    }

    private static List<string> OwnedTables(IReadOnlyList<IInlineProjection> projections)
    {
        var tables = new List<string>();
        foreach (var projection in projections)
        {
            foreach (var table in projection.Tables)
            {
                // The names go into SQL as they are, and a rebuild empties them: only plain schema.table names, never the log's own.
                var match = QualifiedName().Match(table);
                if (!match.Success)
                {
                    throw new InvalidOperationException(
                        $"{projection.GetType().Name} lists the table '{table}'; tables are named schema.table in lower case.");
                }

                if (match.Groups["table"].Value.StartsWith("mt_", StringComparison.Ordinal) || match.Groups["table"].Value == "event_hashes")
                {
                    throw new InvalidOperationException($"{projection.GetType().Name} lists '{table}', which belongs to the event log itself.");
                }

                if (!tables.Contains(table, StringComparer.Ordinal))
                {
                    tables.Add(table);
                }
            }
        }

        return tables;
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]*\\.(?<table>[a-z_][a-z0-9_]*)$")]
    private static partial Regex QualifiedName();
}

/// <summary>What a rebuild of the inline read models did.</summary>
public sealed record ReadModelRebuildReport(long Events, IReadOnlyList<TableRows> Tables, TimeSpan Took);

/// <summary>How many rows a table holds after a rebuild.</summary>
public sealed record TableRows(string Table, long Rows);

/// <summary>A rebuild that was refused or rolled back; the read models are as they were.</summary>
public sealed class ReadModelRebuildException : Exception
{
    public ReadModelRebuildException()
    {
    }

    public ReadModelRebuildException(string message)
        : base(message)
    {
    }

    public ReadModelRebuildException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
