using Governance.EventLog;
using Governance.EventLog.Projections;

namespace Governance.Api.Principals;

/// <summary>
/// Keeps governance.principals and governance.principal_keys in step with principal streams, inside the append
/// transaction, so a new key works, and a revoked one fails, from the next request. Built from events alone; the key
/// hashes live in governance.api_key_hashes, which the commands write (docs/security.md).
/// </summary>
public sealed class PrincipalsProjection : IInlineProjection
{
    // Not governance.api_key_hashes: the commands write the hashes of new keys there, and no event carries them. Old
    // events' hashes are added back idempotently (ON CONFLICT DO NOTHING), so a rebuild keeps every key working.
    /// <inheritdoc />
    public IReadOnlyList<string> Tables { get; } = ["governance.principals", "governance.principal_keys"];

    /// <inheritdoc />
    public Task ApplyAsync(ProjectionContext context, IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        foreach (var @event in events)
        {
            switch (@event.Data)
            {
                case PrincipalCreated created:
                    context.Enqueue(
                        "INSERT INTO governance.principals (name, roles, created_at, created_by) VALUES ($1, $2, $3, $4)",
                        created.Name, created.Roles.ToArray(), created.CreatedAt.ToDateTimeUtc(), created.CreatedBy);
                    if (created.FirstKeyId is { } keyId)
                    {
                        IssueKey(context, created.Name, keyId, created.CreatedBy, created.CreatedAt);
                        if (created.LegacyKeyHash is { } hash)
                        {
                            RememberLegacyHash(context, keyId, hash);
                        }
                    }

                    break;
                case PrincipalKeyIssued issued:
                    IssueKey(context, issued.Name, issued.KeyId, issued.IssuedBy, issued.IssuedAt);
                    break;
                case PrincipalKeyRevoked revoked:
                    context.Enqueue(
                        "UPDATE governance.principal_keys SET revoked_at = $3, revoked_by = $4 WHERE principal = $1 AND key_id = $2 AND revoked_at IS NULL",
                        revoked.Name, revoked.KeyId, revoked.RevokedAt.ToDateTimeUtc(), revoked.RevokedBy);
                    break;
                case PrincipalRolesChanged changed:
                    context.Enqueue("UPDATE governance.principals SET roles = $2 WHERE name = $1", changed.Name, changed.Roles.ToArray());
                    break;
                case PrincipalKeyRotated rotated:
                    context.Enqueue(
                        "UPDATE governance.principal_keys SET revoked_at = $2, revoked_by = $3 WHERE principal = $1 AND revoked_at IS NULL",
                        rotated.Name, rotated.RotatedAt.ToDateTimeUtc(), rotated.RotatedBy);
                    IssueKey(context, rotated.Name, rotated.KeyId, rotated.RotatedBy, rotated.RotatedAt);
                    RememberLegacyHash(context, rotated.KeyId, rotated.LegacyKeyHash);
                    break;
            }
        }

        return Task.CompletedTask;
    }

    private static void IssueKey(ProjectionContext context, string principal, string keyId, string by, NodaTime.Instant at) =>
        context.Enqueue(
            "INSERT INTO governance.principal_keys (key_id, principal, issued_at, issued_by) VALUES ($1, $2, $3, $4)",
            keyId, principal, at.ToDateTimeUtc(), by);

    // An old event carries its key's hash, so replaying an old log restores the key it issued.
    private static void RememberLegacyHash(ProjectionContext context, string keyId, string hashHex) =>
        context.Enqueue(
            "INSERT INTO governance.api_key_hashes (key_id, key_hash) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            keyId, Convert.FromHexString(hashHex));
}
