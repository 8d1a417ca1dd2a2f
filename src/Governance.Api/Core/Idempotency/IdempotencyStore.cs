using Governance.Api.Core.Storage;
using NodaTime;
using Npgsql;

namespace Governance.Api.Core.Idempotency;

/// <summary>One POST as the idempotency rules compare it: whose, which key, which method and path, which body.</summary>
public sealed record IdempotentRequest(string Principal, string Key, string Method, string Path, byte[] BodyHash);

/// <summary>What is remembered under a key: the request it was first used with and, once finished, its answer.</summary>
public sealed record RememberedAnswer(
    string Method, string Path, byte[] BodyHash, bool Completed,
    int Status, string? ContentType, string? Location, string? ETag, byte[]? Body, bool Secret);

/// <summary>
/// governance.idempotency_keys: the first request under each (principal, key) claims the row; a retry reads the answer
/// stored there. Rows older than <see cref="Retention"/> by the service's clock count as absent.
/// </summary>
public sealed class IdempotencyStore(NpgsqlDataSource db, IClock clock) : IExpiringRecords
{
    /// <summary>How long a key's answer is remembered.</summary>
    public static readonly Duration Retention = Duration.FromHours(24);

    /// <summary>A claim whose request has run this long without an answer is taken to be abandoned (its node died).</summary>
    public static readonly TimeSpan AbandonedAfter = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Claims the key for this request: a new key, an expired one, or one whose first request was abandoned. Returns the
    /// claim, or null when someone else holds the key (then <see cref="FindAsync"/> says what they hold).
    /// </summary>
    public async Task<Guid?> TryClaimAsync(IdempotentRequest request, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        var claim = Guid.NewGuid();
        await using var cmd = db.CreateCommand(
            "INSERT INTO governance.idempotency_keys AS t (principal, key, method, path, body_hash, claim, created_at) " +
            "VALUES ($1, $2, $3, $4, $5, $6, $7) " +
            "ON CONFLICT (principal, key) DO UPDATE SET method = excluded.method, path = excluded.path, body_hash = excluded.body_hash, " +
            "claim = excluded.claim, claimed_at = clock_timestamp(), created_at = excluded.created_at, completed_at = NULL, " +
            "status = NULL, content_type = NULL, location = NULL, etag = NULL, body = NULL, secret = false " +
            "WHERE t.created_at <= $8 OR (t.completed_at IS NULL AND t.claimed_at < clock_timestamp() - $9::interval) " +
            "RETURNING claim");
        cmd.Parameters.Add(new() { Value = request.Principal });
        cmd.Parameters.Add(new() { Value = request.Key });
        cmd.Parameters.Add(new() { Value = request.Method });
        cmd.Parameters.Add(new() { Value = request.Path });
        cmd.Parameters.Add(new() { Value = request.BodyHash });
        cmd.Parameters.Add(new() { Value = claim });
        cmd.Parameters.Add(new() { Value = now.ToDateTimeUtc() });
        cmd.Parameters.Add(new() { Value = (now - Retention).ToDateTimeUtc() });
        cmd.Parameters.Add(new() { Value = AbandonedAfter });
        return await cmd.ExecuteScalarAsync(ct) is Guid claimed ? claimed : null;
    }

    /// <summary>What the key holds now, unless it has expired.</summary>
    public async Task<RememberedAnswer?> FindAsync(string principal, string key, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            "SELECT method, path, body_hash, completed_at IS NOT NULL, coalesce(status, 0), content_type, location, etag, body, secret " +
            "FROM governance.idempotency_keys WHERE principal = $1 AND key = $2 AND created_at > $3");
        cmd.Parameters.Add(new() { Value = principal });
        cmd.Parameters.Add(new() { Value = key });
        cmd.Parameters.Add(new() { Value = (clock.GetCurrentInstant() - Retention).ToDateTimeUtc() });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }

        return new RememberedAnswer(
            reader.GetString(0), reader.GetString(1), reader.GetFieldValue<byte[]>(2), reader.GetBoolean(3), reader.GetInt32(4),
            reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6),
            reader.IsDBNull(7) ? null : reader.GetString(7), reader.IsDBNull(8) ? null : reader.GetFieldValue<byte[]>(8), reader.GetBoolean(9));
    }

    /// <summary>Stores the answer of the claimed request (without its body when it showed a secret).</summary>
    public async Task CompleteAsync(IdempotentRequest request, Guid claim, int status, string? contentType, string? location, string? etag, byte[] body, bool secret, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            "UPDATE governance.idempotency_keys SET completed_at = clock_timestamp(), status = $4, content_type = $5, location = $6, etag = $7, body = $8, secret = $9 " +
            "WHERE principal = $1 AND key = $2 AND claim = $3");
        cmd.Parameters.Add(new() { Value = request.Principal });
        cmd.Parameters.Add(new() { Value = request.Key });
        cmd.Parameters.Add(new() { Value = claim });
        cmd.Parameters.Add(new() { Value = status });
        cmd.Parameters.Add(new() { Value = (object?)contentType ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = (object?)location ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = (object?)etag ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = secret ? DBNull.Value : body, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bytea });
        cmd.Parameters.Add(new() { Value = secret });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Lets the key go: the claimed request gave an answer that is not kept, so a retry runs again.</summary>
    public async Task ReleaseAsync(IdempotentRequest request, Guid claim, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("DELETE FROM governance.idempotency_keys WHERE principal = $1 AND key = $2 AND claim = $3");
        cmd.Parameters.Add(new() { Value = request.Principal });
        cmd.Parameters.Add(new() { Value = request.Key });
        cmd.Parameters.Add(new() { Value = claim });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <inheritdoc />
    public async Task<int> DeleteExpiredAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("DELETE FROM governance.idempotency_keys WHERE created_at <= $1");
        cmd.Parameters.Add(new() { Value = (clock.GetCurrentInstant() - Retention).ToDateTimeUtc() });
        return await cmd.ExecuteNonQueryAsync(ct);
    }
}
