using Governance.EventStore;
using Governance.EventStore.Projections;

namespace Governance.Api.Principals;

/// <summary>Keeps governance.principals in step with principal streams, inside the append transaction, so a new key works at once.</summary>
public sealed class PrincipalsProjection : IInlineProjection
{
    /// <inheritdoc />
    public Task ApplyAsync(ProjectionContext context, IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        foreach (var @event in events)
        {
            switch (@event.Data)
            {
                case PrincipalCreated created:
                    context.Enqueue(
                        "INSERT INTO governance.principals (name, roles, key_hash, created_at, created_by) VALUES ($1, $2, $3, $4, $5)",
                        created.Name, created.Roles.ToArray(), Convert.FromHexString(created.KeyHash),
                        created.CreatedAt.ToDateTimeUtc(), created.CreatedBy);
                    break;
                case PrincipalKeyRotated rotated:
                    context.Enqueue(
                        "UPDATE governance.principals SET key_hash = $2 WHERE name = $1",
                        rotated.Name, Convert.FromHexString(rotated.KeyHash));
                    break;
            }
        }

        return Task.CompletedTask;
    }
}
