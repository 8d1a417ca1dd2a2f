using Governance.EventLog;
using NodaTime;

namespace Governance.Api.Datasets;

/// <summary>A version of a dataset was registered, with where it lives, its digest and what it was derived from.</summary>
public sealed record DatasetVersionRegistered(string Name, string Version, string Uri, string Digest, long? Rows,
    IReadOnlyList<string> Parents, string RegisteredBy, Instant RegisteredAt);

/// <summary>A dataset version was found bad; everything trained on it is suspect.</summary>
public sealed record DatasetVersionFlagged(string Name, string Version, string Reason, string FlaggedBy, Instant FlaggedAt);

/// <summary>One version as kept in the dataset's state.</summary>
public sealed record DatasetVersion(string Version, string Uri, string Digest, long? Rows, IReadOnlyList<string> Parents, string? FlaggedReason);

/// <summary>The state of a dataset stream: its versions.</summary>
public sealed record Dataset(string Name, IReadOnlyDictionary<string, DatasetVersion> Versions) : IStreamState<Dataset>
{
    /// <summary>The stream type.</summary>
    public const string StreamType = "dataset";

    /// <summary>The stream id of a dataset.</summary>
    public static string StreamId(string name) => $"dataset-{name}";

    /// <summary>The lineage node of a dataset version.</summary>
    public static string NodeId(string name, string version) => $"dataset:{name}@{version}";

    /// <inheritdoc />
    public static Dataset Initial { get; } = new("", new Dictionary<string, DatasetVersion>());

    /// <inheritdoc />
    public Dataset Evolve(StoredEvent @event) => @event.Data switch
    {
        DatasetVersionRegistered r => new Dataset(r.Name, new Dictionary<string, DatasetVersion>(Versions)
        {
            [r.Version] = new(r.Version, r.Uri, r.Digest, r.Rows, r.Parents, null),
        }),
        DatasetVersionFlagged f when Versions.TryGetValue(f.Version, out var v) => this with
        {
            Versions = new Dictionary<string, DatasetVersion>(Versions) { [f.Version] = v with { FlaggedReason = f.Reason } },
        },
        _ => this,
    };

    /// <summary>Registers the stream's events.</summary>
    public static void RegisterEvents(EventTypeRegistry registry) =>
        registry.Register<DatasetVersionRegistered>().Register<DatasetVersionFlagged>();
}
