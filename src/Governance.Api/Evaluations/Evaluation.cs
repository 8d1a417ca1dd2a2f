using Governance.EventLog;
using NodaTime;

namespace Governance.Api.Evaluations;

/// <summary>
/// A model version was evaluated against a suite revision on named dataset versions. The verdict (every check and
/// whether all passed) is computed at record time and kept here, with the production baseline it was compared with.
/// </summary>
public sealed record EvaluationRecorded(
    string Id,
    string Model,
    string Version,
    string Suite,
    int SuiteRevision,
    string Stage,
    IReadOnlyList<string> Datasets,
    IReadOnlyDictionary<string, double> Metrics,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> Slices,
    IReadOnlyDictionary<string, double> ProductMetrics,
    bool Passed,
    IReadOnlyList<EvaluationCheck> Checks,
    string? BaselineVersion,
    string? BaselineEvaluationId,
    string RecordedBy,
    Instant RecordedAt);

/// <summary>The state of an evaluation stream: the one recorded evaluation.</summary>
public sealed record Evaluation(EvaluationRecorded? Recorded) : IStreamState<Evaluation>
{
    /// <summary>The stream id of an evaluation.</summary>
    public static string StreamId(string id) => $"evaluation-{id}";

    /// <summary>The stream type.</summary>
    public const string StreamType = "evaluation";

    /// <summary>A new evaluation id: a UUIDv7 (time-ordered, so ids sort by when they were made) as 32 hex digits.</summary>
    public static string NewId(Instant now) => Guid.CreateVersion7(now.ToDateTimeOffset()).ToString("N");

    /// <inheritdoc />
    public static Evaluation Initial { get; } = new((EvaluationRecorded?)null);

    /// <inheritdoc />
    public Evaluation Evolve(StoredEvent @event) => @event.Data switch
    {
        EvaluationRecorded recorded => new Evaluation(recorded),
        _ => this,
    };

    /// <summary>Registers the stream's events.</summary>
    public static void RegisterEvents(EventTypeRegistry registry) => registry.Register<EvaluationRecorded>();
}
