using System.Security.Claims;
using Governance.EventLog;
using Marten;
using Npgsql;

namespace Governance.Api.Core.Auth;

/// <summary>Who a key or a session stands for, as the database says at this moment.</summary>
public sealed record KeyHolder(string Name, IReadOnlyList<string> Roles, string KeyId)
{
    /// <summary>The claim naming the key a request was authenticated with.</summary>
    public const string KeyIdClaim = "governance:key_id";

    /// <summary>The authenticated user for a request.</summary>
    public ClaimsPrincipal ToClaimsPrincipal(string scheme)
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, Name), new(KeyIdClaim, KeyId) };
        claims.AddRange(Auth.Roles.Expand(Roles).Select(r => new Claim(ClaimTypes.Role, r)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, ClaimTypes.Name, ClaimTypes.Role));
    }
}

/// <summary>
/// The secret side of API keys. Every lookup goes to the database: a revoked key, or a change of roles, holds from
/// the next request on every node, and the lookup is one probe of a unique index. It runs on every request, so it goes
/// through the multiplexed data source of stateless hot reads (<paramref name="queries"/>).
/// </summary>
public sealed class ApiKeyStore(NpgsqlDataSource db, [FromKeyedServices(DataSourceKeys.Queries)] NpgsqlDataSource queries)
{
    /// <summary>Longer than any key this service makes; longer input is refused without a lookup.</summary>
    public const int MaxKeyLength = 200;

    /// <summary>The live key's holder, or null for an unknown or revoked key.</summary>
    public async Task<KeyHolder?> FindAsync(string key, CancellationToken ct)
    {
        if (key.Length is 0 or > MaxKeyLength)
        {
            return null;
        }

        await using var cmd = queries.CreateCommand(
            "SELECT p.name, p.roles, k.key_id FROM governance.api_key_hashes h " +
            "JOIN governance.principal_keys k ON k.key_id = h.key_id AND k.revoked_at IS NULL " +
            "JOIN governance.principals p ON p.name = k.principal " +
            "WHERE h.key_hash = $1");
        cmd.Parameters.Add(new() { Value = ApiKeys.Hash(key) });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new KeyHolder(reader.GetString(0), reader.GetFieldValue<string[]>(1), reader.GetString(2))
            : null;
    }

    /// <summary>The id stored for a key's hash, live or not; null when the key was never stored.</summary>
    public async Task<string?> KeyIdOfAsync(string key, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT key_id FROM governance.api_key_hashes WHERE key_hash = $1");
        cmd.Parameters.Add(new() { Value = ApiKeys.Hash(key) });
        return await cmd.ExecuteScalarAsync(ct) as string;
    }

    /// <summary>
    /// Stores a key's hash under its id before the event that issues it is appended; false when that key is already
    /// stored (under whatever id <see cref="KeyIdOfAsync"/> returns).
    /// </summary>
    public async Task<bool> RememberAsync(string keyId, string key, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            "INSERT INTO governance.api_key_hashes (key_id, key_hash) VALUES ($1, $2) ON CONFLICT DO NOTHING");
        cmd.Parameters.Add(new() { Value = keyId });
        cmd.Parameters.Add(new() { Value = ApiKeys.Hash(key) });
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>
    /// Stores a new key's hash in the transaction of <paramref name="session"/>, the one that appends the event issuing the
    /// key: the hash exists exactly when the key was issued, so a refused or failed command leaves nothing behind.
    /// </summary>
    public static void Remember(IDocumentSession session, string keyId, string key)
    {
        ArgumentNullException.ThrowIfNull(session);
        session.QueueSqlCommand(
            "INSERT INTO governance.api_key_hashes (key_id, key_hash) VALUES (?, ?) ON CONFLICT DO NOTHING", keyId, ApiKeys.Hash(key));
    }
}
