using System.Text.Json;
using System.Text.Json.Nodes;
using Governance.Api.Core.Auth;
using System.Text.Json.Serialization;
using Governance.EventLog;
using NodaTime;
using Npgsql;

namespace Governance.Api.Audit;

/// <summary>
/// An event as stored: body and metadata as written, position and hash for verification — with one exception: principal
/// events written before keys had ids carried the key's SHA-256, which is shown as the key's id instead (docs/security.md).
/// </summary>
public sealed record AuditEvent(
    long Seq, string Position, Guid Id, string StreamId, string StreamType, int Version, string Type,
    JsonElement Data, JsonElement Metadata, Instant RecordedAt, string Hash)
{
    /// <summary>Where the event sits in the log, for cursors.</summary>
    [JsonIgnore]
    public LogPosition LogPosition => LogPosition.TryParseCursor(Position, out var position) ? position : LogPosition.Start;

    /// <summary>Columns read by <see cref="Read"/>.</summary>
    public const string Columns = "seq, tx_id, id, stream_id, stream_type, version, type, data::text, metadata::text, recorded_at, hash";

    /// <summary>Reads every row of a query selecting <see cref="Columns"/>.</summary>
    public static async Task<List<AuditEvent>> ReadAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var events = new List<AuditEvent>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            events.Add(Read(reader));
        }

        return events;
    }

    // The log is append-only and hash-chained, so old rows keep their bytes (and /audit/verify still checks them);
    // what leaves the service carries the key's id instead of its hash.
    internal static string WithoutKeyHash(string type, string json)
    {
        if (type is not ("principal_created" or "principal_key_rotated") || !json.Contains("\"keyHash\"", StringComparison.Ordinal))
        {
            return json;
        }

        var body = JsonNode.Parse(json)!.AsObject();
        if (body["keyHash"]?.GetValue<string>() is { } hash && body["keyId"] is null)
        {
            body["keyId"] = ApiKeys.LegacyKeyId(hash);
        }

        body.Remove("keyHash");
        return body.ToJsonString();
    }

    private static AuditEvent Read(NpgsqlDataReader reader)
    {
        var type = reader.GetString(6);
        using var data = JsonDocument.Parse(WithoutKeyHash(type, reader.GetString(7)));
        using var metadata = JsonDocument.Parse(reader.GetString(8));
        return new AuditEvent(
            reader.GetInt64(0), $"{reader.GetFieldValue<ulong>(1)}.{reader.GetInt64(0)}", reader.GetGuid(2),
            reader.GetString(3), reader.GetString(4), reader.GetInt32(5), type,
            data.RootElement.Clone(), metadata.RootElement.Clone(),
            Instant.FromDateTimeUtc(DateTime.SpecifyKind(reader.GetDateTime(9), DateTimeKind.Utc)), Convert.ToHexStringLower(reader.GetFieldValue<byte[]>(10)));
    }
}
