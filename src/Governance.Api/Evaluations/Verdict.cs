using System.Globalization;

namespace Governance.Api.Evaluations;

/// <summary>One thing the verdict checked: <c>metric:auc</c>, <c>slice:new-users:auc</c> or <c>regression:auc</c>.</summary>
public sealed record EvaluationCheck(string Name, bool Passed, string Detail);

/// <summary>The evaluation a regression is measured against: the latest one of the production version on the same suite revision.</summary>
public sealed record Baseline(string EvaluationId, string Version, IReadOnlyDictionary<string, double> Metrics);

/// <summary>
/// The verdict of an evaluation against one suite revision, computed once at record time and stored in the
/// event, so that a later revision of the suite never changes what an old evaluation said.
/// </summary>
public static class Verdict
{
    /// <summary>Every check, in suite order: metrics, then slices, then regressions.</summary>
    public static IReadOnlyList<EvaluationCheck> Compute(
        SuiteRevision suite,
        IReadOnlyDictionary<string, double> metrics,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> slices,
        Baseline? baseline)
    {
        var checks = new List<EvaluationCheck>(suite.Metrics.Count * 2 + suite.Slices.Count);
        foreach (var metric in suite.Metrics)
        {
            checks.Add(Threshold($"metric:{metric.Name}", metric.Name, metrics.TryGetValue(metric.Name, out var v) ? v : null, metric.Threshold, metric.Direction));
        }

        foreach (var slice in suite.Slices)
        {
            var direction = suite.Metric(slice.Metric)?.Direction ?? MetricDirection.Higher;
            double? value = slices.TryGetValue(slice.Name, out var sliceMetrics) && sliceMetrics.TryGetValue(slice.Metric, out var sv) ? sv : null;
            checks.Add(Threshold($"slice:{slice.Name}:{slice.Metric}", $"{slice.Metric} on slice {slice.Name}", value, slice.Threshold, direction));
        }

        foreach (var metric in suite.Metrics)
        {
            if (metric.MaxRegression is { } limit)
            {
                checks.Add(Regression(metric, limit, metrics.TryGetValue(metric.Name, out var v) ? v : null, baseline));
            }
        }

        return checks;
    }

    /// <summary>Whether every check passed (an evaluation with no checks passes: the suite asked for nothing).</summary>
    public static bool Passed(IReadOnlyList<EvaluationCheck> checks) => checks.All(c => c.Passed);

    private static EvaluationCheck Threshold(string name, string what, double? value, double threshold, string direction)
    {
        if (value is not { } actual)
        {
            return new EvaluationCheck(name, false, $"{what} is missing.");
        }

        var higher = direction == MetricDirection.Higher;
        var passed = higher ? actual >= threshold : actual <= threshold;
        var comparison = (higher, passed) switch
        {
            (true, true) => "≥",
            (true, false) => "<",
            (false, true) => "≤",
            (false, false) => ">",
        };
        return new EvaluationCheck(name, passed,
            $"{what} = {Format(actual)} {comparison} {Format(threshold)} ({direction} is better).");
    }

    private static EvaluationCheck Regression(SuiteMetric metric, double limit, double? value, Baseline? baseline)
    {
        var name = $"regression:{metric.Name}";
        if (baseline is null)
        {
            return new EvaluationCheck(name, true, "No production baseline on this suite revision; nothing to regress against.");
        }

        if (value is not { } actual)
        {
            return new EvaluationCheck(name, false, $"{metric.Name} is missing, so it cannot be compared with production version {baseline.Version}.");
        }

        if (!baseline.Metrics.TryGetValue(metric.Name, out var before))
        {
            return new EvaluationCheck(name, true,
                $"Production version {baseline.Version} (evaluation {baseline.EvaluationId}) has no {metric.Name}; nothing to regress against.");
        }

        var worsening = Worsening(metric.Direction, before, actual);
        var passed = worsening <= ToDecimal(limit);
        var change = worsening > 0 ? $"worse by {Format(worsening)}" : worsening < 0 ? $"better by {Format(-worsening)}" : "unchanged";
        return new EvaluationCheck(name, passed,
            $"{metric.Name} = {Format(actual)} vs. {Format(before)} for production version {baseline.Version}: {change} " +
            $"({(passed ? "within" : "beyond")} the allowed {Format(limit)}).");
    }

    // Decimal, so that 0.90 − 0.88 is 0.02 and a regression exactly at the limit passes, as a reader of the suite expects.
    private static decimal Worsening(string direction, double baseline, double value)
    {
        var (b, v) = (ToDecimal(baseline), ToDecimal(value));
        return direction == MetricDirection.Higher ? b - v : v - b;
    }

    private static decimal ToDecimal(double value) =>
        value switch
        {
            > (double)decimal.MaxValue / 2 => decimal.MaxValue / 2,
            < (double)decimal.MinValue / 2 => decimal.MinValue / 2,
            _ => (decimal)value,
        };

    private static string Format(double value) => value.ToString("G", CultureInfo.InvariantCulture);

    private static string Format(decimal value) => value.ToString("G", CultureInfo.InvariantCulture);
}
