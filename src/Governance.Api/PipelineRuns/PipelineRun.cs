using System.Text.Json;
using Governance.EventLog;
using NodaTime;

namespace Governance.Api.PipelineRuns;

/// <summary>
/// An OpenLineage event as the producer sent it (<see cref="Event"/>, kept whole: unknown fields and facets included),
/// with what the service read from it beside it. <see cref="Digest"/> is the SHA-256 of the event's JSON text, so a
/// producer's retry of the same event is recognised.
/// </summary>
public sealed record OpenLineageEventReceived(
    string Kind, string? RunId, string? JobNamespace, string? JobName, string? EventType, Instant EventTime, string Digest,
    JsonElement Event, string ReceivedBy, Instant ReceivedAt);

/// <summary>The job a run belongs to.</summary>
public sealed record JobRef(string Namespace, string Name);

/// <summary>
/// The state of a pipeline-run stream (and of the job and dataset streams that keep JobEvents and DatasetEvents): the
/// events received so far, by digest.
/// </summary>
public sealed record PipelineRun(string Key, JobRef? Job, IReadOnlySet<string> Digests, int Events) : IStreamState<PipelineRun>
{
    /// <summary>The stream type.</summary>
    public const string StreamType = "pipelinerun";

    /// <summary>The stream of a run: <c>pipelinerun-{runId}</c>.</summary>
    public static string StreamId(string runId) => $"pipelinerun-{runId}";

    /// <summary>The stream of a job's JobEvents: <c>pipelinejob-{namespace}/{name}</c>.</summary>
    public static string JobStreamId(string jobNamespace, string jobName) => $"pipelinejob-{jobNamespace}/{jobName}";

    /// <summary>The stream of a dataset's DatasetEvents: <c>pipelinedataset-{namespace}/{name}</c>.</summary>
    public static string DatasetStreamId(string datasetNamespace, string datasetName) => $"pipelinedataset-{datasetNamespace}/{datasetName}";

    /// <summary>The lineage node of a run.</summary>
    public static string RunNodeId(string runId) => $"pipelinerun:{runId}";

    /// <summary>The lineage node of a job.</summary>
    public static string JobNodeId(string jobNamespace, string jobName) => $"job:{jobNamespace}/{jobName}";

    /// <summary>The lineage node of a dataset the registry does not know (yet).</summary>
    public static string ExternalNodeId(string uri) => $"external:{uri}";

    /// <inheritdoc />
    public static PipelineRun Initial { get; } = new("", null, new HashSet<string>(StringComparer.Ordinal), 0);

    /// <inheritdoc />
    public PipelineRun Evolve(StoredEvent @event) => @event.Data switch
    {
        OpenLineageEventReceived r => new PipelineRun(
            r.RunId ?? Key,
            Job ?? (r.Kind == nameof(OpenLineageKind.RunEvent) && r.JobNamespace is { } ns && r.JobName is { } name ? new JobRef(ns, name) : null),
            new HashSet<string>(Digests, StringComparer.Ordinal) { r.Digest },
            Events + 1),
        _ => this,
    };

    /// <summary>Registers the stream's events.</summary>
    public static void RegisterEvents(EventTypeRegistry registry) =>
        registry.Register<OpenLineageEventReceived>("openlineage_event_received");
}
