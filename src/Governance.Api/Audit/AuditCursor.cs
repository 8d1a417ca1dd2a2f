using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using Governance.EventLog;
using Npgsql;

namespace Governance.Api.Audit;

/// <summary>Which way the audit feed pages.</summary>
public enum AuditOrder
{
    /// <summary>Oldest first (the default): follow the log as it grows.</summary>
    Asc,

    /// <summary>Newest first: read back from now.</summary>
    Desc,
}

/// <summary>
/// The audit feed's opaque cursor: a position in the log and the order it pages in, sealed with an HMAC under a key
/// kept in the database. A cursor the service did not hand out (edited, truncated, made up, or from another
/// database) is refused instead of silently paging from somewhere else.
/// </summary>
public static class AuditCursor
{
    private const byte Format = 1;
    private const int PayloadLength = 18;
    private const int MacLength = 16;

    /// <summary>The cursor text for <paramref name="position"/> paging in <paramref name="order"/>.</summary>
    public static string Encode(LogPosition position, AuditOrder order, ReadOnlySpan<byte> key)
    {
        Span<byte> bytes = stackalloc byte[PayloadLength + MacLength];
        bytes[0] = Format;
        bytes[1] = (byte)order;
        BinaryPrimitives.WriteUInt64BigEndian(bytes[2..], position.TxId);
        BinaryPrimitives.WriteInt64BigEndian(bytes[10..], position.Seq);
        Mac(key, bytes[..PayloadLength], bytes[PayloadLength..]);
        return Base64Url.EncodeToString(bytes);
    }

    /// <summary>Reads a cursor made by <see cref="Encode"/> under the same key.</summary>
    public static bool TryDecode(string? text, ReadOnlySpan<byte> key, out LogPosition position, out AuditOrder order)
    {
        position = LogPosition.Start;
        order = AuditOrder.Asc;
        Span<byte> bytes = stackalloc byte[PayloadLength + MacLength];
        if (text is not { Length: > 0 and < 100 } || !Base64Url.IsValid(text, out var length) || length != bytes.Length
            || Base64Url.DecodeFromChars(text, bytes) != bytes.Length)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[MacLength];
        Mac(key, bytes[..PayloadLength], expected);
        var seq = BinaryPrimitives.ReadInt64BigEndian(bytes[10..]);
        if (!CryptographicOperations.FixedTimeEquals(expected, bytes[PayloadLength..]) || bytes[0] != Format
            || bytes[1] > (byte)AuditOrder.Desc || seq < 0)
        {
            return false;
        }

        // The canonical text only: another spelling of the same bytes was not handed out either.
        if (!string.Equals(Base64Url.EncodeToString(bytes), text, StringComparison.Ordinal))
        {
            return false;
        }

        position = new LogPosition(BinaryPrimitives.ReadUInt64BigEndian(bytes[2..]), seq);
        order = (AuditOrder)bytes[1];
        return true;
    }

    private static void Mac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> payload, Span<byte> destination)
    {
        Span<byte> full = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key, payload, full);
        full[..MacLength].CopyTo(destination);
    }
}

/// <summary>The database's key for audit cursors, read once (every node of a deployment reads the same one).</summary>
public sealed class AuditCursorKey(NpgsqlDataSource db)
{
    private byte[]? key;

    /// <summary>The key.</summary>
    public async ValueTask<byte[]> GetAsync(CancellationToken ct)
    {
        if (key is { } known)
        {
            return known;
        }

        await using var cmd = db.CreateCommand("SELECT value FROM governance.secrets WHERE name = 'audit-cursor'");
        key = await cmd.ExecuteScalarAsync(ct) as byte[] ?? throw new InvalidOperationException("The audit cursor key is missing; migration 0014 creates it.");
        return key;
    }
}
