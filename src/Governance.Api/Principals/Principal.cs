using Governance.EventStore;
using NodaTime;

namespace Governance.Api.Principals;

/// <summary>A person or pipeline was given an API key and roles. Only the key's SHA-256 is kept.</summary>
public sealed record PrincipalCreated(string Name, IReadOnlyList<string> Roles, string KeyHash, string CreatedBy, Instant CreatedAt);

/// <summary>A principal's key was replaced; the old one stops working.</summary>
public sealed record PrincipalKeyRotated(string Name, string KeyHash, string RotatedBy, Instant RotatedAt);

/// <summary>The state of a principal stream.</summary>
public sealed record Principal(string Name, IReadOnlyList<string> Roles, string KeyHash) : IStreamState<Principal>
{
    /// <summary>The stream id of a principal.</summary>
    public static string StreamId(string name) => $"principal-{name}";

    /// <summary>The stream type.</summary>
    public const string StreamType = "principal";

    /// <inheritdoc />
    public static Principal Initial { get; } = new("", [], "");

    /// <inheritdoc />
    public Principal Evolve(StoredEvent @event) => @event.Data switch
    {
        PrincipalCreated created => new Principal(created.Name, created.Roles, created.KeyHash),
        PrincipalKeyRotated rotated => this with { KeyHash = rotated.KeyHash },
        _ => this,
    };

    /// <summary>Registers the stream's events.</summary>
    public static void RegisterEvents(Governance.EventStore.Serialization.EventTypeRegistry registry) =>
        registry.Register<PrincipalCreated>().Register<PrincipalKeyRotated>();
}
