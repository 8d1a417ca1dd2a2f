using System.Text.Json;
using Governance.EventLog;
using NodaTime;

namespace Governance.Api.ModelVersions;

/// <summary>A model version was registered: its artifact, where it came from and how it was built.</summary>
public sealed record ModelVersionRegistered(
    string Model, string Version, string ArtifactUri, string Digest, string? ExperimentId, string? RunId,
    IReadOnlyList<string> TrainingDatasets, IReadOnlyList<string> Parents, string CodeCommit,
    IReadOnlyDictionary<string, JsonElement> Config, string RegisteredBy, Instant RegisteredAt);

/// <summary>A guardrail (a heuristic filter, a rule, a threshold) now wraps this version.</summary>
public sealed record GuardrailAttached(string Model, string Version, string Guardrail, string GuardrailVersion, string Description, string AttachedBy, Instant AttachedAt);

/// <summary>The version should no longer be promoted.</summary>
public sealed record ModelVersionDeprecated(string Model, string Version, string Reason, string DeprecatedBy, Instant DeprecatedAt);

/// <summary>A guardrail as kept in the version's state.</summary>
public sealed record Guardrail(string Name, string Version, string Description, string AttachedBy, Instant AttachedAt);

/// <summary>The state of a model version stream.</summary>
public sealed record ModelVersion(
    string Model, string Version, string ArtifactUri, string Digest, string? ExperimentId, string? RunId,
    IReadOnlyList<string> TrainingDatasets, IReadOnlyList<string> Parents, string CodeCommit,
    IReadOnlyDictionary<string, JsonElement> Config, string RegisteredBy, Instant RegisteredAt,
    IReadOnlyList<Guardrail> Guardrails, string? DeprecatedReason) : IStreamState<ModelVersion>
{
    /// <summary>The stream type.</summary>
    public const string StreamType = "modelversion";

    /// <summary>The stream id of a model version.</summary>
    public static string StreamId(string model, string version) => $"modelversion-{model}@{version}";

    /// <summary>The lineage node of a model version.</summary>
    public static string NodeId(string model, string version) => $"model:{model}@{version}";

    /// <inheritdoc />
    public static ModelVersion Initial { get; } = new("", "", "", "", null, null, [], [], "", new Dictionary<string, JsonElement>(), "", default, [], null);

    /// <inheritdoc />
    public ModelVersion Evolve(StoredEvent @event) => @event.Data switch
    {
        ModelVersionRegistered r => new ModelVersion(r.Model, r.Version, r.ArtifactUri, r.Digest, r.ExperimentId, r.RunId, r.TrainingDatasets,
            r.Parents, r.CodeCommit, r.Config, r.RegisteredBy, r.RegisteredAt, [], null),
        GuardrailAttached g => this with { Guardrails = [.. Guardrails, new Guardrail(g.Guardrail, g.GuardrailVersion, g.Description, g.AttachedBy, g.AttachedAt)] },
        ModelVersionDeprecated d => this with { DeprecatedReason = d.Reason },
        _ => this,
    };

    /// <summary>Registers the stream's events.</summary>
    public static void RegisterEvents(EventTypeRegistry registry) =>
        registry.Register<ModelVersionRegistered>().Register<GuardrailAttached>().Register<ModelVersionDeprecated>();
}
