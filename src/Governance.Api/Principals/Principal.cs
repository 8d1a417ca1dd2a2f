using System.Collections.Immutable;
using System.Text.Json.Serialization;
using Governance.Api.Core.Auth;
using Governance.EventLog;
using NodaTime;

namespace Governance.Api.Principals;

/// <summary>A person or pipeline was given roles and a first API key, named by its id; the key itself is never in an event.</summary>
public sealed record PrincipalCreated(string Name, IReadOnlyList<string> Roles, string? KeyId, string CreatedBy, Instant CreatedAt)
{
    /// <summary>
    /// Events written before keys had ids carried the key's SHA-256 here. Read for compatibility (the key keeps working
    /// under <see cref="ApiKeys.LegacyKeyId"/>), never written, and removed from every answer that shows events.
    /// </summary>
    [JsonPropertyName("keyHash")]
    public string? LegacyKeyHash { get; init; }

    /// <summary>The id of the first key, for new and old events alike.</summary>
    [JsonIgnore]
    public string? FirstKeyId => KeyId ?? (LegacyKeyHash is { } hash ? ApiKeys.LegacyKeyId(hash) : null);
}

/// <summary>A principal was given another API key; it works alongside the others until revoked.</summary>
public sealed record PrincipalKeyIssued(string Name, string KeyId, string IssuedBy, Instant IssuedAt);

/// <summary>One of a principal's keys stopped working.</summary>
public sealed record PrincipalKeyRevoked(string Name, string KeyId, string RevokedBy, Instant RevokedAt);

/// <summary>A principal's roles were replaced.</summary>
public sealed record PrincipalRolesChanged(string Name, IReadOnlyList<string> Roles, IReadOnlyList<string> PreviousRoles, string ChangedBy, Instant ChangedAt);

/// <summary>
/// Before keys had ids, the bootstrap admin's key was replaced by this event (the old key stopped working). Read for
/// compatibility, never written; its hash is removed from every answer that shows events.
/// </summary>
public sealed record PrincipalKeyRotated(string Name, [property: JsonPropertyName("keyHash")] string LegacyKeyHash, string RotatedBy, Instant RotatedAt)
{
    /// <summary>The id the new key is known by.</summary>
    [JsonIgnore]
    public string KeyId => ApiKeys.LegacyKeyId(LegacyKeyHash);
}

/// <summary>One key of a principal: who issued it and whether it still works.</summary>
public sealed record PrincipalKey(string KeyId, string IssuedBy, Instant IssuedAt, Instant? RevokedAt = null)
{
    /// <summary>Whether the key still opens the door.</summary>
    public bool Live => RevokedAt is null;
}

/// <summary>The state of a principal stream.</summary>
public sealed record Principal(string Name, IReadOnlyList<string> Roles, ImmutableList<PrincipalKey> Keys) : IStreamState<Principal>
{
    /// <summary>The stream id of a principal.</summary>
    public static string StreamId(string name) => $"principal-{name}";

    /// <summary>The stream type.</summary>
    public const string StreamType = "principal";

    /// <inheritdoc />
    public static Principal Initial { get; } = new("", [], []);

    /// <summary>Whether the principal holds the admin role.</summary>
    public bool IsAdmin => Roles.Contains(Core.Auth.Roles.Admin);

    /// <summary>The keys that still work.</summary>
    public IEnumerable<PrincipalKey> LiveKeys => Keys.Where(k => k.Live);

    /// <inheritdoc />
    public Principal Evolve(StoredEvent @event) => @event.Data switch
    {
        PrincipalCreated created => new Principal(created.Name, created.Roles,
            created.FirstKeyId is { } id ? [new PrincipalKey(id, created.CreatedBy, created.CreatedAt)] : []),
        PrincipalKeyIssued issued => this with { Keys = Keys.Add(new PrincipalKey(issued.KeyId, issued.IssuedBy, issued.IssuedAt)) },
        PrincipalKeyRevoked revoked => this with
        {
            Keys = Keys.Select(k => k.KeyId == revoked.KeyId && k.Live ? k with { RevokedAt = revoked.RevokedAt } : k).ToImmutableList(),
        },
        PrincipalRolesChanged changed => this with { Roles = changed.Roles },
        PrincipalKeyRotated rotated => this with
        {
            Keys = Keys.Select(k => k.Live ? k with { RevokedAt = rotated.RotatedAt } : k)
                .Append(new PrincipalKey(rotated.KeyId, rotated.RotatedBy, rotated.RotatedAt)).ToImmutableList(),
        },
        _ => this,
    };

    /// <summary>Registers the stream's events.</summary>
    public static void RegisterEvents(Governance.EventLog.EventTypeRegistry registry) =>
        registry.Register<PrincipalCreated>()
            .Register<PrincipalKeyIssued>()
            .Register<PrincipalKeyRevoked>()
            .Register<PrincipalRolesChanged>()
            .Register<PrincipalKeyRotated>();
}
