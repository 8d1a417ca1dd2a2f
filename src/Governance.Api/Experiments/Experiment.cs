using System.Text.Json;
using System.Text.Json.Serialization;
using Governance.EventLog;
using NodaTime;

namespace Governance.Api.Experiments;

/// <summary>What an experiment changes: the study found iterating on data and config beats changing the model.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ExperimentKind>))]
public enum ExperimentKind
{
    /// <summary>New or different data.</summary>
    [JsonStringEnumMemberName("data")] Data,

    /// <summary>A different model.</summary>
    [JsonStringEnumMemberName("model")] Model,

    /// <summary>Different configuration or hyperparameters.</summary>
    [JsonStringEnumMemberName("config")] Config,
}

/// <summary>How an experiment ended.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ExperimentOutcome>))]
public enum ExperimentOutcome
{
    /// <summary>The idea went forward.</summary>
    [JsonStringEnumMemberName("adopted")] Adopted,

    /// <summary>The idea was dropped; the reason keeps others from trying it blind.</summary>
    [JsonStringEnumMemberName("abandoned")] Abandoned,
}

/// <summary>An experiment began: the hypothesis and what it changes.</summary>
public sealed record ExperimentStarted(string Id, string Model, string Hypothesis, ExperimentKind Kind, string? BaseVersion, string StartedBy, Instant StartedAt);

/// <summary>A training run of an experiment, with everything needed to reproduce it.</summary>
public sealed record RunRecorded(
    string ExperimentId, string Model, string RunId, string CodeCommit, string ConfigHash, IReadOnlyDictionary<string, JsonElement> Params,
    long? Seed, IReadOnlyList<string> Datasets, string? Environment, IReadOnlyDictionary<string, double> Metrics,
    Instant? StartedAt, Instant? FinishedAt, string RecordedBy, Instant RecordedAt);

/// <summary>The experiment ended, adopted or abandoned, and why.</summary>
public sealed record ExperimentConcluded(string ExperimentId, string Model, ExperimentOutcome Outcome, string Reason, string ConcludedBy, Instant ConcludedAt);

/// <summary>A run as kept in the experiment's state.</summary>
public sealed record Run(string RunId, string CodeCommit, string ConfigHash, IReadOnlyList<string> Datasets, IReadOnlyDictionary<string, double> Metrics);

/// <summary>The state of an experiment stream.</summary>
public sealed record Experiment(string Id, string Model, string Hypothesis, ExperimentKind Kind, string? BaseVersion,
    IReadOnlyList<Run> Runs, ExperimentOutcome? Outcome, string? Reason, string StartedBy, Instant StartedAt) : IStreamState<Experiment>
{
    /// <summary>The stream type.</summary>
    public const string StreamType = "experiment";

    /// <summary>The stream id of an experiment.</summary>
    public static string StreamId(string id) => $"experiment-{id}";

    /// <summary>The lineage node of a run.</summary>
    public static string RunNodeId(string experimentId, string runId) => $"run:{experimentId}/{runId}";

    /// <inheritdoc />
    public static Experiment Initial { get; } = new("", "", "", ExperimentKind.Data, null, [], null, null, "", default);

    /// <inheritdoc />
    public Experiment Evolve(StoredEvent @event) => @event.Data switch
    {
        ExperimentStarted s => new Experiment(s.Id, s.Model, s.Hypothesis, s.Kind, s.BaseVersion, [], null, null, s.StartedBy, s.StartedAt),
        RunRecorded r => this with { Runs = [.. Runs, new Run(r.RunId, r.CodeCommit, r.ConfigHash, r.Datasets, r.Metrics)] },
        ExperimentConcluded c => this with { Outcome = c.Outcome, Reason = c.Reason },
        _ => this,
    };

    /// <summary>Registers the stream's events.</summary>
    public static void RegisterEvents(EventTypeRegistry registry) =>
        registry.Register<ExperimentStarted>().Register<RunRecorded>().Register<ExperimentConcluded>();
}
