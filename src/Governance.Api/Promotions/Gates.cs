using System.Globalization;
using Governance.Api.Evaluations;
using Governance.Api.Models;
using NodaTime;
using NodaTime.Text;

namespace Governance.Api.Promotions;

/// <summary>An evaluation as a gate sees it.</summary>
public sealed record GateEvaluation(string Id, string Version, int SuiteRevision, bool Passed, IReadOnlyDictionary<string, double> Metrics, IReadOnlyList<string> FailedChecks);

/// <summary>What the gates know about one required suite: this version's latest evaluation, its revision's metrics, the baseline.</summary>
public sealed record SuiteFacts(string Suite, GateEvaluation? Latest, IReadOnlyList<SuiteMetric> Metrics, GateEvaluation? Baseline);

/// <summary>An open incident on the model.</summary>
public sealed record OpenIncident(string Id, string Severity);

/// <summary>A span of time a version was current in a stage ([From, To), To null while it still is).</summary>
public sealed record StageInterval(Instant From, Instant? To);

/// <summary>Everything the gates read, gathered before deciding (deciders do no I/O).</summary>
public sealed record GateFacts(
    string TargetStage, string? VersionInTarget, IReadOnlyList<SuiteFacts> Suites, IReadOnlyList<OpenIncident> OpenIncidents,
    string FromStage, bool FromIsFirstStage, Instant VersionRegisteredAt, IReadOnlyList<StageInterval> IntervalsInFromStage);

/// <summary>
/// The promotion gates, as a pure function of the policy, the facts and the time: every required suite passed by
/// this exact version; no regression beyond the suite's limit vs. the version now in the target stage; no open incident
/// at or above the policy's severity; enough time in the stage the version comes from.
/// </summary>
public static class Gates
{
    /// <summary>Every gate, in that order.</summary>
    public static IReadOnlyList<Gate> Evaluate(StagePolicy policy, GateFacts facts, Instant now)
    {
        var gates = new List<Gate>();
        foreach (var suite in facts.Suites)
        {
            gates.Add(SuiteGate(suite));
            if (suite.Latest is not null)
            {
                gates.Add(RegressionGate(suite, facts));
            }
        }

        gates.Add(IncidentGate(policy, facts));
        gates.Add(SoakGate(policy, facts, now));
        return gates;
    }

    /// <summary>Whether every gate passed.</summary>
    public static bool Passed(IReadOnlyList<Gate> gates) => gates.All(g => g.Passed);

    /// <summary>How long the version has been in the stage it comes from (since registration for the first stage).</summary>
    public static Duration TimeInFromStage(GateFacts facts, Instant now) =>
        facts.FromIsFirstStage
            ? now - facts.VersionRegisteredAt
            : facts.IntervalsInFromStage.Aggregate(Duration.Zero, (sum, i) => sum + ((i.To ?? now) - i.From));

    private static Gate SuiteGate(SuiteFacts suite)
    {
        var name = $"suite:{suite.Suite}";
        return suite.Latest switch
        {
            null => new Gate(name, false, $"No evaluation of this version on suite '{suite.Suite}'."),
            { Passed: true } e => new Gate(name, true, $"Evaluation {e.Id} on revision {e.SuiteRevision} passed."),
            var e => new Gate(name, false,
                $"The latest evaluation, {e.Id} on revision {e.SuiteRevision}, failed: {string.Join(", ", e.FailedChecks.DefaultIfEmpty("a check"))}."),
        };
    }

    private static Gate RegressionGate(SuiteFacts suite, GateFacts facts)
    {
        var name = $"regression:{suite.Suite}";
        var latest = suite.Latest!;
        if (facts.VersionInTarget is null)
        {
            return new Gate(name, true, $"Nothing runs in '{facts.TargetStage}' yet; nothing to regress against.");
        }

        if (suite.Baseline is not { } baseline)
        {
            return new Gate(name, true,
                $"Version {facts.VersionInTarget} in '{facts.TargetStage}' has no evaluation on revision {latest.SuiteRevision}; nothing to regress against.");
        }

        var failures = new List<string>();
        var compared = new List<string>();
        foreach (var metric in suite.Metrics)
        {
            if (metric.MaxRegression is not { } limit || !baseline.Metrics.TryGetValue(metric.Name, out var before))
            {
                continue;
            }

            if (!latest.Metrics.TryGetValue(metric.Name, out var after))
            {
                failures.Add($"{metric.Name} is missing");
                continue;
            }

            var worse = metric.Direction == MetricDirection.Lower ? (decimal)after - (decimal)before : (decimal)before - (decimal)after;
            var text = $"{metric.Name} {Format(after)} vs. {Format(before)}";
            if (worse > (decimal)limit)
            {
                failures.Add($"{text}: worse by {worse.ToString("G", CultureInfo.InvariantCulture)}, beyond the allowed {Format(limit)}");
            }
            else
            {
                compared.Add(text);
            }
        }

        return failures.Count > 0
            ? new Gate(name, false, $"Against version {baseline.Version} in '{facts.TargetStage}' (evaluation {baseline.Id}): {string.Join("; ", failures)}.")
            : new Gate(name, true, compared.Count == 0
                ? $"No metric of revision {latest.SuiteRevision} has a regression limit that version {baseline.Version} can be compared on."
                : $"Within limits against version {baseline.Version} in '{facts.TargetStage}': {string.Join("; ", compared)}.");
    }

    private static Gate IncidentGate(StagePolicy policy, GateFacts facts)
    {
        var blocking = facts.OpenIncidents.Where(i => Severity.AtOrAbove(i.Severity, policy.BlockOnIncidentSeverity)).ToList();
        return blocking.Count == 0
            ? new Gate("incidents", true, $"No open incident at or above {policy.BlockOnIncidentSeverity} on the model.")
            : new Gate("incidents", false,
                $"Open incidents at or above {policy.BlockOnIncidentSeverity}: {string.Join(", ", blocking.Select(i => $"{i.Id} ({i.Severity})"))}.");
    }

    private static Gate SoakGate(StagePolicy policy, GateFacts facts, Instant now)
    {
        if (policy.MinSoak <= Duration.Zero)
        {
            return new Gate("soak", true, "No soak time required.");
        }

        var spent = TimeInFromStage(facts, now);
        var where = facts.FromIsFirstStage ? $"since registration ('{facts.FromStage}')" : $"in '{facts.FromStage}'";
        return spent >= policy.MinSoak
            ? new Gate("soak", true, $"{Iso(spent)} {where}, at least the required {Iso(policy.MinSoak)}.")
            : new Gate("soak", false, $"Only {Iso(spent)} {where}; the policy requires {Iso(policy.MinSoak)}.");
    }

    private static string Iso(Duration duration) =>
        PeriodPattern.NormalizingIso.Format(Period.FromSeconds((long)Math.Floor(Math.Max(0, duration.TotalSeconds))).Normalize());

    private static string Format(double value) => value.ToString("G", CultureInfo.InvariantCulture);
}
