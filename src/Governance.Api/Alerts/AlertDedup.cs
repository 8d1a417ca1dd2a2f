using Marten;
using Npgsql;

namespace Governance.Api.Alerts;

/// <summary>
/// Firings with one dedup key serialise on a transaction-scoped advisory lock, so two of them never both open an alert;
/// the caller's session must already be in its transaction (the lock lasts until it commits).
/// </summary>
public static class AlertDedup
{
    /// <summary>Takes the key's lock, then returns the id of the alert still open under it, if any.</summary>
    public static async Task<string?> LockAndFindOpenAsync(IDocumentSession session, string key, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(session);
        var connection = session.Connection ?? throw new InvalidOperationException("The command's session has no connection.");
        await using (var wait = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended('alert-dedup:' || $1, 0))", connection))
        {
            wait.Parameters.Add(new() { Value = key });
            await wait.ExecuteNonQueryAsync(ct);
        }

        await using var find = new NpgsqlCommand("SELECT id FROM governance.alerts WHERE dedup_key = $1 AND status <> 'resolved'", connection);
        find.Parameters.Add(new() { Value = key });
        return await find.ExecuteScalarAsync(ct) as string;
    }
}
