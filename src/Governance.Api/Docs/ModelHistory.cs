using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Governance.Api.Audit;
using Governance.Api.Slos;
using Governance.Api.Core.Time;
using Governance.EventLog;
using NodaTime;
using Npgsql;
using NpgsqlTypes;

namespace Governance.Api.Docs;

/// <summary>
/// Every event that concerns one model, as stored (type and JSON body), up to an instant. The document is a fold
/// over these, so "as of T" is the same code as "now" with fewer events.
/// </summary>
public static class ModelHistory
{
    /// <summary>The model's own stream and every event whose body names the model, oldest first.</summary>
    public static async Task<IReadOnlyList<AuditEvent>> LoadAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, string key, Instant? asOf, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            $"SELECT {AuditEvent.Columns} FROM governance.log_events " +
            "WHERE (stream_id = 'model-' || $1 OR data ->> 'model' = $1) AND ($2::timestamptz IS NULL OR recorded_at <= $2) " +
            "ORDER BY recorded_at, seq", connection, tx);
        cmd.Parameters.Add(new() { Value = key });
        cmd.Parameters.Add(new() { Value = asOf is { } at ? at.ToDateTimeUtc() : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        return await AuditEvent.ReadAsync(cmd, ct);
    }

    /// <summary>
    /// The dataset streams behind the model's training data, and their ancestors (a few generations), up to the
    /// same instant: the lineage section draws where the data came from and marks flagged versions.
    /// </summary>
    public static async Task<IReadOnlyList<AuditEvent>> LoadDatasetsAsync(
        NpgsqlConnection connection, NpgsqlTransaction? tx, IEnumerable<string> datasetRefs, Instant? asOf, CancellationToken ct)
    {
        var all = new List<AuditEvent>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = datasetRefs.Select(r => r.Split('@')[0]).Where(seen.Add).ToList();
        for (var generation = 0; generation < 5 && pending.Count > 0; generation++)
        {
            await using var cmd = new NpgsqlCommand(
                $"SELECT {AuditEvent.Columns} FROM governance.log_events WHERE stream_id = ANY($1) " +
                "AND ($2::timestamptz IS NULL OR recorded_at <= $2) ORDER BY recorded_at, seq", connection, tx);
            cmd.Parameters.Add(new() { Value = pending.Select(n => "dataset-" + n).ToArray() });
            cmd.Parameters.Add(new() { Value = asOf is { } at ? at.ToDateTimeUtc() : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            var events = await AuditEvent.ReadAsync(cmd, ct);
            all.AddRange(events);
            pending = [.. events
                .Where(e => e.Type == "dataset_version_registered" && e.Data.TryGetProperty("parents", out var p) && p.ValueKind == JsonValueKind.Array)
                .SelectMany(e => e.Data.GetProperty("parents").EnumerateArray().Select(x => (x.GetString() ?? "").Split('@')[0]))
                .Where(n => n.Length > 0 && seen.Add(n))];
        }

        return all;
    }

    /// <summary>
    /// Fills each SLO's attainment and error budget left as GET /slos/{id} would have answered at <paramref name="at"/>:
    /// the window ends at <paramref name="at"/> minus the label delay, holds the buckets wholly inside it, and counts
    /// the newest correction of each bucket received by then; <see cref="BurnRates.Judge"/> does the arithmetic.
    /// Measurements are not events; they live in their own table.
    /// </summary>
    public static async Task FillAttainmentAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, ModelDocument document, Instant at, CancellationToken ct)
    {
        foreach (var slo in document.Slos.Values)
        {
            if (ParseDuration(slo.Window) is not { } window || ParseDuration(slo.LabelDelay) is not { } labelDelay
                || !double.TryParse(slo.Objective, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var objective))
            {
                continue;
            }

            var until = TimeInput.BackFrom(at, labelDelay);
            await using var cmd = new NpgsqlCommand("""
                SELECT coalesce(sum(good), 0)::bigint, coalesce(sum(total), 0)::bigint FROM (
                    SELECT DISTINCT ON (bucket_from, bucket_to) good, total FROM governance.slo_measurements
                    WHERE slo_id = $1 AND received_at <= $2 AND bucket_from >= $3 AND bucket_to <= $4
                    ORDER BY bucket_from, bucket_to, seq DESC) latest
                """, connection, tx);
            cmd.Parameters.Add(new() { Value = slo.Id });
            cmd.Parameters.Add(new() { Value = at.ToDateTimeUtc(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
            cmd.Parameters.Add(new() { Value = TimeInput.BackFrom(until, window).ToDateTimeUtc(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
            cmd.Parameters.Add(new() { Value = until.ToDateTimeUtc(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            var counts = new WindowCounts(reader.GetInt64(0), reader.GetInt64(1));
            var judgement = BurnRates.Judge(objective, new SloCounts(default, default, default, default, default, counts));
            (slo.Attainment, slo.ErrorBudgetRemaining) = (judgement.Attainment, judgement.ErrorBudgetRemaining);
        }
    }

    // Events write durations in the service's one format (P7D, PT1M); months and years never occur.
    private static Duration? ParseDuration(string text) =>
        NodaTime.Text.PeriodPattern.NormalizingIso.Parse(text) is { Success: true } parsed && parsed.Value.Months == 0 && parsed.Value.Years == 0
            ? parsed.Value.ToDuration()
            : null;

    /// <summary>
    /// The document of a model as of <paramref name="asOf"/> (now when null): its events folded once, the data behind
    /// it, and SLO attainment at that instant. The projection and the on-demand readers both build it here.
    /// </summary>
    public static async Task<(ModelDocument Document, int Events)> BuildAsync(
        NpgsqlConnection connection, NpgsqlTransaction? tx, string key, Instant? asOf, Instant now, CancellationToken ct)
    {
        var history = await LoadAsync(connection, tx, key, asOf, ct);
        var document = ModelDocument.From(history);
        if (document.Exists)
        {
            document.AddDatasets(await LoadDatasetsAsync(connection, tx, document.TrainingData, asOf, ct));
            await FillAttainmentAsync(connection, tx, document, asOf ?? now, ct);
        }

        return (document, history.Count);
    }

    /// <summary>The model a stored event concerns, if any: its own stream, or the <c>model</c> its body names.</summary>
    public static string? ModelOf(StoredEvent @event) => ModelOf(@event.StreamId, @event.Data);

    /// <summary>The model an event with this stream and body concerns, if any.</summary>
    public static string? ModelOf(string streamId, object data)
    {
        if (streamId.StartsWith("model-", StringComparison.Ordinal))
        {
            return streamId["model-".Length..];
        }

        if (data is JsonObject unknown)
        {
            return unknown["model"] is JsonValue value && value.TryGetValue<string>(out var named) ? named : null;
        }

        return ModelProperties.GetOrAdd(data.GetType(), static type =>
                type.GetProperty("Model") is { PropertyType: var t } property && t == typeof(string) ? property : null)
            ?.GetValue(data) as string;
    }

    // Events are records; reading their Model property beats serialising every event again to look for it.
    private static readonly ConcurrentDictionary<Type, PropertyInfo?> ModelProperties = new();
}
