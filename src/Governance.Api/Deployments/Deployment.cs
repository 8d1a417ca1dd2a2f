using Governance.EventLog;
using NodaTime;

namespace Governance.Api.Deployments;

/// <summary>A version now runs in a stage, by a promotion; the version it replaced is the stage's fallback.</summary>
public sealed record VersionDeployed(
    string Model, string Stage, string Version, string? PromotionId, IReadOnlyList<string> ApprovedBy, int? TrafficPercent,
    string? Previous, string? Fallback, string DeployedBy, Instant DeployedAt);

/// <summary>
/// A stage went back to an earlier version, possibly in answer to an incident. <paramref name="ToPromotionId"/> and
/// <paramref name="ToApprovedBy"/> name the promotion that last deployed that version into the stage (its provenance);
/// nobody approved the return itself.
/// </summary>
public sealed record VersionRolledBack(
    string Model, string Stage, string FromVersion, string ToVersion, string? ToPromotionId, IReadOnlyList<string> ToApprovedBy,
    string? Fallback, string Reason, string? IncidentId, string RolledBackBy, Instant RolledBackAt);

/// <summary>Someone chose the version a stage falls back to.</summary>
public sealed record FallbackDesignated(string Model, string Stage, string Version, string DesignatedBy, Instant DesignatedAt);

/// <summary>One version's time as the current one of a stage; <paramref name="ByRollback"/> when a rollback, not a promotion, put it there.</summary>
public sealed record DeploymentEntry(string Version, string? PromotionId, IReadOnlyList<string> ApprovedBy, Instant Since, bool ByRollback = false);

/// <summary>What put a version in a stage, as the read models say it.</summary>
public static class Via
{
    /// <summary>A promotion's deployment, with its approvals.</summary>
    public const string Promotion = "promotion";

    /// <summary>A rollback: nobody approved the return.</summary>
    public const string Rollback = "rollback";
}

/// <summary>A version a rollback took out of the stage, and when.</summary>
public sealed record RolledBackVersion(string Version, Instant At, string Reason);

/// <summary>
/// The state of a deployment stream (one per model and stage): what runs, what it falls back to, what ran before, and
/// which versions a rollback took out that nothing has put back since.
/// </summary>
public sealed record Deployment(
    string Model, string Stage, DeploymentEntry? Current, string? Fallback, IReadOnlyList<DeploymentEntry> History, IReadOnlyList<RolledBackVersion> RolledBack)
    : IStreamState<Deployment>
{
    /// <summary>The stream type.</summary>
    public const string StreamType = "deployment";

    /// <summary>The stream id of a model's stage.</summary>
    public static string StreamId(string model, string stage) => $"deployment-{model}-{stage}";

    /// <inheritdoc />
    public static Deployment Initial { get; } = new("", "", null, null, [], []);

    /// <summary>The version that ran before the current one, if any.</summary>
    public string? Previous => Current is null ? null : History.LastOrDefault(e => e.Version != Current.Version)?.Version;

    /// <summary>The latest time <paramref name="version"/> was current here, if ever.</summary>
    public DeploymentEntry? LastEntryOf(string version) => History.LastOrDefault(e => e.Version == version);

    /// <summary>
    /// The rollback that took <paramref name="version"/> out of this stage, while nothing has put it back since (a
    /// promotion deploying it, or a rollback naming it); null when it was not rolled back or has run here again since.
    /// </summary>
    public RolledBackVersion? RolledBackFrom(string version) => RolledBack.FirstOrDefault(r => r.Version == version);

    /// <summary>
    /// The rule for every implicit choice of where a stage goes back to: a version other than the one running, that no
    /// rollback has taken out of the stage since it last ran here. Only a request naming a version (toVersion) goes past it.
    /// </summary>
    public bool IsSafeToReturnTo(string version) => Current?.Version != version && RolledBackFrom(version) is null;

    /// <inheritdoc />
    public Deployment Evolve(StoredEvent @event) => @event.Data switch
    {
        VersionDeployed d => Enter(d.Model, d.Stage, new DeploymentEntry(d.Version, d.PromotionId, d.ApprovedBy, d.DeployedAt), d.Fallback,
            [.. RolledBack.Where(r => r.Version != d.Version)]),
        VersionRolledBack r => Enter(r.Model, r.Stage, new DeploymentEntry(r.ToVersion, r.ToPromotionId, r.ToApprovedBy, r.RolledBackAt, ByRollback: true), r.Fallback,
            [.. RolledBack.Where(m => m.Version != r.ToVersion && m.Version != r.FromVersion), new RolledBackVersion(r.FromVersion, r.RolledBackAt, r.Reason)]),
        FallbackDesignated f => this with { Fallback = f.Version },
        _ => this,
    };

    private Deployment Enter(string model, string stage, DeploymentEntry entry, string? fallback, IReadOnlyList<RolledBackVersion> rolledBack) =>
        new(model, stage, entry, fallback, [.. History, entry], rolledBack);

    /// <summary>Registers the stream's events.</summary>
    public static void RegisterEvents(EventTypeRegistry registry) =>
        registry.Register<VersionDeployed>().Register<VersionRolledBack>().Register<FallbackDesignated>();
}
