using System.Security.Cryptography;
using Marten;
using NodaTime;
using Npgsql;

namespace Governance.Api.Webhooks;

/// <summary>
/// Signing secrets in Standard Webhooks form (<c>whsec_</c> + base64 of 32 random bytes). They are shown once, never
/// logged and never in an event; they are stored in clear because signing needs them (docs/security.md).
/// </summary>
public static class WebhookSecrets
{
    /// <summary>The prefix Standard Webhooks gives symmetric secrets.</summary>
    public const string Prefix = "whsec_";

    /// <summary>How long a replaced secret keeps signing beside the new one.</summary>
    public static readonly Duration Overlap = Duration.FromHours(24);

    /// <summary>A new secret.</summary>
    public static string Generate() => Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>A new secret's id.</summary>
    public static string NewId() => "sec_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    /// <summary>The key bytes of a secret.</summary>
    public static byte[] KeyOf(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return Convert.FromBase64String(secret.StartsWith(Prefix, StringComparison.Ordinal) ? secret[Prefix.Length..] : secret);
    }

    /// <summary>Stores a new secret in the transaction that appends the event naming it, so a refused command leaves none behind.</summary>
    public static void Remember(IDocumentSession session, string webhookId, string secretId, string secret, Instant now)
    {
        ArgumentNullException.ThrowIfNull(session);
        session.QueueSqlCommand(
            "INSERT INTO governance.webhook_secrets (webhook_id, secret_id, secret, created_at) VALUES (?, ?, ?, ?)",
            webhookId, secretId, secret, now.ToDateTimeOffset());
    }

    /// <summary>In the same transaction, the replaced secrets stop signing at <paramref name="until"/>.</summary>
    public static void Expire(IDocumentSession session, string webhookId, string exceptSecretId, Instant until)
    {
        ArgumentNullException.ThrowIfNull(session);
        session.QueueSqlCommand(
            "UPDATE governance.webhook_secrets SET expires_at = LEAST(coalesce(expires_at, ?), ?) WHERE webhook_id = ? AND secret_id <> ?",
            until.ToDateTimeOffset(), until.ToDateTimeOffset(), webhookId, exceptSecretId);
    }

    /// <summary>The secrets that sign at <paramref name="now"/>, newest first.</summary>
    public static async Task<IReadOnlyList<string>> SigningAsync(NpgsqlDataSource db, string webhookId, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        await using var cmd = db.CreateCommand(
            "SELECT secret FROM governance.webhook_secrets WHERE webhook_id = $1 AND (expires_at IS NULL OR expires_at > $2) ORDER BY created_at DESC, secret_id");
        cmd.Parameters.Add(new() { Value = webhookId });
        cmd.Parameters.Add(new() { Value = now.ToDateTimeUtc(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        var secrets = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            secrets.Add(reader.GetString(0));
        }

        return secrets;
    }
}
