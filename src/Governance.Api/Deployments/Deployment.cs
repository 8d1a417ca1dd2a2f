using Governance.EventStore;
using Governance.EventStore.Serialization;
using NodaTime;

namespace Governance.Api.Deployments;

/// <summary>A version now runs in a stage, by a promotion; the version it replaced is the stage's fallback.</summary>
public sealed record VersionDeployed(
    string Model, string Stage, string Version, string? PromotionId, IReadOnlyList<string> ApprovedBy, int? TrafficPercent,
    string? Previous, string? Fallback, string DeployedBy, Instant DeployedAt);

/// <summary>A stage went back to an earlier version, possibly in answer to an incident.</summary>
public sealed record VersionRolledBack(
    string Model, string Stage, string FromVersion, string ToVersion, string? ToPromotionId, IReadOnlyList<string> ToApprovedBy,
    string? Fallback, string Reason, string? IncidentId, string RolledBackBy, Instant RolledBackAt);

/// <summary>Someone chose the version a stage falls back to.</summary>
public sealed record FallbackDesignated(string Model, string Stage, string Version, string DesignatedBy, Instant DesignatedAt);

/// <summary>One version's time as the current one of a stage.</summary>
public sealed record DeploymentEntry(string Version, string? PromotionId, IReadOnlyList<string> ApprovedBy, Instant Since);

/// <summary>The state of a deployment stream (one per model and stage): what runs, what it falls back to, what ran before.</summary>
public sealed record Deployment(string Model, string Stage, DeploymentEntry? Current, string? Fallback, IReadOnlyList<DeploymentEntry> History)
    : IStreamState<Deployment>
{
    /// <summary>The stream type.</summary>
    public const string StreamType = "deployment";

    /// <summary>The stream id of a model's stage.</summary>
    public static string StreamId(string model, string stage) => $"deployment-{model}-{stage}";

    /// <inheritdoc />
    public static Deployment Initial { get; } = new("", "", null, null, []);

    /// <summary>The version that ran before the current one, if any.</summary>
    public string? Previous => Current is null ? null : History.LastOrDefault(e => e.Version != Current.Version)?.Version;

    /// <summary>The latest time <paramref name="version"/> was current here, if ever.</summary>
    public DeploymentEntry? LastEntryOf(string version) => History.LastOrDefault(e => e.Version == version);

    /// <inheritdoc />
    public Deployment Evolve(StoredEvent @event) => @event.Data switch
    {
        VersionDeployed d => Enter(d.Model, d.Stage, new DeploymentEntry(d.Version, d.PromotionId, d.ApprovedBy, d.DeployedAt), d.Fallback),
        VersionRolledBack r => Enter(r.Model, r.Stage, new DeploymentEntry(r.ToVersion, r.ToPromotionId, r.ToApprovedBy, r.RolledBackAt), r.Fallback),
        FallbackDesignated f => this with { Fallback = f.Version },
        _ => this,
    };

    private Deployment Enter(string model, string stage, DeploymentEntry entry, string? fallback) =>
        new(model, stage, entry, fallback, [.. History, entry]);

    /// <summary>Registers the stream's events.</summary>
    public static void RegisterEvents(EventTypeRegistry registry) =>
        registry.Register<VersionDeployed>().Register<VersionRolledBack>().Register<FallbackDesignated>();
}
