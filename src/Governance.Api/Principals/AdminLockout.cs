using Npgsql;

namespace Governance.Api.Principals;

/// <summary>
/// The facts behind "at least one admin must keep a working key", and the lock that makes them hold: revocations and
/// role changes run one at a time across every node, so two admins cannot each remove the other's last way in at once.
/// </summary>
public sealed class AdminLockout(NpgsqlDataSource db)
{
    // Any constant shared by all nodes, distinct from the migration lock.
    private const long LockKey = 0x676F_7661_646D; // "govadm"

    /// <summary>The message of the refusal.</summary>
    public const string Refusal = "At least one admin must keep a working key";

    /// <summary>Runs <paramref name="action"/> while no other revocation or role change runs.</summary>
    public async Task<T> OneAtATimeAsync<T>(Func<Task<T>> action, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock($1)", connection))
        {
            take.Parameters.Add(new() { Value = LockKey });
            await take.ExecuteNonQueryAsync(ct);
        }

        try
        {
            return await action();
        }
        finally
        {
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", connection);
            release.Parameters.Add(new() { Value = LockKey });
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    /// <summary>How many admins other than <paramref name="name"/> hold at least one working key.</summary>
    public async Task<int> OtherWorkingAdminsAsync(string name, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            "SELECT count(*) FROM governance.principals p WHERE p.name <> $1 AND $2 = ANY (p.roles) " +
            "AND EXISTS (SELECT 1 FROM governance.principal_keys k WHERE k.principal = p.name AND k.revoked_at IS NULL)");
        cmd.Parameters.Add(new() { Value = name });
        cmd.Parameters.Add(new() { Value = Core.Auth.Roles.Admin });
        return (int)(long)(await cmd.ExecuteScalarAsync(ct))!;
    }
}
