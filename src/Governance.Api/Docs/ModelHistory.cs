using System.Text.Json;
using Governance.Api.Audit;
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
            $"SELECT {AuditEvent.Columns} FROM governance.events " +
            "WHERE (stream_id = 'model-' || $1 OR data ->> 'model' = $1) AND ($2::timestamptz IS NULL OR recorded_at <= $2) " +
            "ORDER BY recorded_at, seq", connection, tx);
        cmd.Parameters.Add(new() { Value = key });
        cmd.Parameters.Add(new() { Value = asOf is { } at ? at.ToDateTimeUtc() : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        return await AuditEvent.ReadAsync(cmd, ct);
    }

    /// <summary>The model a stored event concerns, if any.</summary>
    public static string? ModelOf(string streamId, JsonElement data)
    {
        if (streamId.StartsWith("model-", StringComparison.Ordinal))
        {
            return streamId["model-".Length..];
        }

        return data.ValueKind == JsonValueKind.Object && data.TryGetProperty("model", out var model) && model.ValueKind == JsonValueKind.String
            ? model.GetString()
            : null;
    }
}
