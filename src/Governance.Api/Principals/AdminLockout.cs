using Marten;
using Npgsql;

namespace Governance.Api.Principals;

/// <summary>
/// The facts behind "at least one admin must keep a working key", and the lock that makes them hold: revocations and
/// role changes run one at a time across every node, so two admins cannot each remove the other's last way in at once.
/// </summary>
public static class AdminLockout
{
    // Any constant shared by all nodes, distinct from the migration lock.
    private const long LockKey = 0x676F_7661_646D; // "govadm"

    /// <summary>The message of the refusal.</summary>
    public const string Refusal = "At least one admin must keep a working key";

    /// <summary>
    /// Takes the lock for the rest of <paramref name="session"/>'s transaction — it is let go when the command's events
    /// commit or roll back, so the count below still holds when they do — then counts, inside that transaction, the
    /// admins other than <paramref name="name"/> who hold a working key.
    /// </summary>
    public static async Task<OtherWorkingAdmins> LockAndCountAsync(IDocumentSession session, string name, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(session);
        await session.BeginTransactionAsync(ct);
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", session.Connection))
        {
            take.Parameters.Add(new() { Value = LockKey });
            await take.ExecuteNonQueryAsync(ct);
        }

        await using var count = new NpgsqlCommand(
            "SELECT count(*) FROM governance.principals p WHERE p.name <> $1 AND $2 = ANY (p.roles) " +
            "AND EXISTS (SELECT 1 FROM governance.principal_keys k WHERE k.principal = p.name AND k.revoked_at IS NULL)", session.Connection);
        count.Parameters.Add(new() { Value = name });
        count.Parameters.Add(new() { Value = Core.Auth.Roles.Admin });
        return new OtherWorkingAdmins((int)(long)(await count.ExecuteScalarAsync(ct))!);
    }
}

/// <summary>How many admins other than the one a command is about hold a working key, counted under the lock.</summary>
public sealed record OtherWorkingAdmins(int Count);
