using Governance.EventLog;
using NodaTime;

namespace Governance.Bench;

/// <summary>A realistic evaluation event: about 300 bytes of JSON.</summary>
public sealed record BenchEvaluationRecorded(
    string EvaluationId,
    string ModelId,
    string ModelVersion,
    string Dataset,
    string Metric,
    double Value,
    double Threshold,
    bool Passed,
    Instant EvaluatedAt,
    string Notes);

/// <summary>The stream type the benchmarks' streams are started with.</summary>
public sealed class BenchModel;

/// <summary>The events and metadata the benchmarks write.</summary>
public static class BenchEvents
{
    private static readonly string[] Metrics = ["auc", "precision_at_1pct_fpr", "recall", "f1", "calibration_error"];

    public static void Register(EventTypeRegistry registry) => registry.Register<BenchEvaluationRecorded>("evaluation_recorded");

    /// <summary>The <paramref name="n"/>-th event of a stream.</summary>
    public static BenchEvaluationRecorded Evaluation(string streamId, long n) => new(
        EvaluationId: Guid.CreateVersion7().ToString(),
        ModelId: streamId,
        ModelVersion: $"2.{n % 17}.{n % 5}",
        Dataset: "holdout-2026-q3-eu-transactions",
        Metric: Metrics[n % Metrics.Length],
        Value: 0.90 + (n % 97) / 1000.0,
        Threshold: 0.9,
        Passed: n % 13 != 0,
        EvaluatedAt: SystemClock.Instance.GetCurrentInstant(),
        Notes: "nightly evaluation run by the evaluation pipeline");

    /// <summary>Metadata as an HTTP command would carry it.</summary>
    public static EventMetadata Metadata() => new(
        Actor: "user:alice.martin@example.com",
        CorrelationId: Guid.CreateVersion7().ToString(),
        CausationId: Guid.CreateVersion7().ToString(),
        TraceId: Guid.NewGuid().ToString("N"),
        Headers: new Dictionary<string, string>(StringComparer.Ordinal) { ["user-agent"] = "governance-cli/1.4.2" });
}
