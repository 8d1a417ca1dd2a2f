using Governance.Api.Evaluations;
using NodaTime;

namespace Governance.Api.Tests.Evaluations;

/// <summary>The verdict is a pure function of the suite revision, the reported metrics and the production baseline.</summary>
public sealed class VerdictTests
{
    private static readonly Instant Now = Instant.FromUtc(2026, 11, 23, 9, 0);

    private static SuiteRevision Suite(params SuiteMetric[] metrics) => new(1, "", metrics, [], "ana", Now);

    private static Dictionary<string, double> Metrics(params (string Name, double Value)[] values) =>
        values.ToDictionary(v => v.Name, v => v.Value);

    private static readonly IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> NoSlices =
        new Dictionary<string, IReadOnlyDictionary<string, double>>();

    [Theory]
    [InlineData("higher", 0.90, 0.91, true)]
    [InlineData("higher", 0.90, 0.90, true)]
    [InlineData("higher", 0.90, 0.8999, false)]
    [InlineData("lower", 120.0, 119.0, true)]
    [InlineData("lower", 120.0, 120.0, true)]
    [InlineData("lower", 120.0, 120.5, false)]
    [InlineData("higher", -1.0, -0.5, true)]
    [InlineData("lower", 0.0, -0.1, true)]
    public void a_metric_meets_its_threshold_in_its_direction(string direction, double threshold, double value, bool passes)
    {
        var checks = Verdict.Compute(Suite(new SuiteMetric("m", threshold, direction)), Metrics(("m", value)), NoSlices, null);

        var check = checks.ShouldHaveSingleItem();
        check.Name.ShouldBe("metric:m");
        check.Passed.ShouldBe(passes);
        Verdict.Passed(checks).ShouldBe(passes);
    }

    [Fact]
    public void a_missing_metric_fails_its_check()
    {
        var suite = Suite(new SuiteMetric("auc", 0.9, "higher"), new SuiteMetric("latency-ms", 50, "lower"));

        var checks = Verdict.Compute(suite, Metrics(("auc", 0.95), ("recall", 0.5)), NoSlices, null);

        checks.Select(c => (c.Name, c.Passed)).ShouldBe([("metric:auc", true), ("metric:latency-ms", false)]);
        checks[1].Detail.ShouldContain("missing");
        Verdict.Passed(checks).ShouldBeFalse();
    }

    [Fact]
    public void metrics_the_suite_does_not_name_are_not_checked()
    {
        var checks = Verdict.Compute(Suite(new SuiteMetric("auc", 0.9, "higher")), Metrics(("auc", 0.95), ("extra", -1)), NoSlices, null);

        checks.Select(c => c.Name).ShouldBe(["metric:auc"]);
    }

    public static TheoryData<string, string, double?, bool> SliceCases => new()
    {
        // slice metric direction comes from the suite's metric: auc higher, latency lower
        { "new-users", "auc", 0.85, true },
        { "new-users", "auc", 0.80, true },
        { "new-users", "auc", 0.79, false },
        { "mobile", "latency-ms", 80, true },
        { "mobile", "latency-ms", 81, false },
        { "new-users", "auc", null, false },
    };

    [Theory]
    [MemberData(nameof(SliceCases))]
    public void a_slice_meets_its_own_threshold_in_its_metrics_direction(string slice, string metric, double? value, bool passes)
    {
        var suite = new SuiteRevision(1, "",
            [new SuiteMetric("auc", 0.9, "higher"), new SuiteMetric("latency-ms", 50, "lower")],
            [new SuiteSlice(slice, metric, metric == "auc" ? 0.80 : 80)], "ana", Now);
        var slices = new Dictionary<string, IReadOnlyDictionary<string, double>>
        {
            [slice] = value is { } v ? Metrics((metric, v)) : Metrics(("other", 1)),
        };

        var checks = Verdict.Compute(suite, Metrics(("auc", 0.95), ("latency-ms", 10)), slices, null);

        var check = checks.Single(c => c.Name == $"slice:{slice}:{metric}");
        check.Passed.ShouldBe(passes);
        Verdict.Passed(checks).ShouldBe(passes);
        if (value is null)
        {
            check.Detail.ShouldContain("missing");
        }
    }

    [Fact]
    public void a_slice_that_was_not_reported_at_all_fails()
    {
        var suite = new SuiteRevision(1, "", [new SuiteMetric("auc", 0.9, "higher")], [new SuiteSlice("new-users", "auc", 0.8)], "ana", Now);

        var checks = Verdict.Compute(suite, Metrics(("auc", 0.95)), NoSlices, null);

        checks.Select(c => (c.Name, c.Passed)).ShouldBe([("metric:auc", true), ("slice:new-users:auc", false)]);
    }

    public static TheoryData<string, double, double, double, bool> RegressionCases => new()
    {
        // direction, baseline, value, maxRegression, passes
        { "higher", 0.90, 0.89, 0.02, true },
        { "higher", 0.90, 0.88, 0.02, true },   // exactly at the limit, despite binary floating point
        { "higher", 0.90, 0.8799, 0.02, false },
        { "higher", 0.90, 0.95, 0.0, true },    // better is never a regression
        { "higher", 0.90, 0.90, 0.0, true },
        { "lower", 100, 104, 5, true },
        { "lower", 100, 105, 5, true },
        { "lower", 100, 105.01, 5, false },
        { "lower", 100, 80, 0, true },
        { "lower", 0.3, 0.4, 0.1, true },
    };

    [Theory]
    [MemberData(nameof(RegressionCases))]
    public void a_metric_may_not_fall_behind_production_by_more_than_its_limit(string direction, double baseline, double value, double limit, bool passes)
    {
        // thresholds that always pass, so only the regression decides
        var threshold = direction == "higher" ? double.MinValue : double.MaxValue;
        var suite = Suite(new SuiteMetric("m", threshold, direction, limit));

        var checks = Verdict.Compute(suite, Metrics(("m", value)), NoSlices, new Baseline("ev-1", "1.0.0", Metrics(("m", baseline))));

        var check = checks.Single(c => c.Name == "regression:m");
        check.Passed.ShouldBe(passes);
        check.Detail.ShouldContain("1.0.0");
        Verdict.Passed(checks).ShouldBe(passes);
    }

    [Fact]
    public void without_a_production_baseline_the_regression_check_passes_and_says_so()
    {
        var checks = Verdict.Compute(Suite(new SuiteMetric("auc", 0.9, "higher", 0.01)), Metrics(("auc", 0.95)), NoSlices, null);

        var check = checks.Single(c => c.Name == "regression:auc");
        check.Passed.ShouldBeTrue();
        check.Detail.ShouldContain("No production baseline");
    }

    [Fact]
    public void a_missing_metric_cannot_be_compared_with_production_and_fails_its_regression_check()
    {
        var checks = Verdict.Compute(Suite(new SuiteMetric("auc", 0.9, "higher", 0.01)), Metrics(), NoSlices,
            new Baseline("ev-1", "1.0.0", Metrics(("auc", 0.93))));

        checks.Select(c => (c.Name, c.Passed)).ShouldBe([("metric:auc", false), ("regression:auc", false)]);
    }

    [Fact]
    public void a_baseline_without_the_metric_is_nothing_to_regress_against()
    {
        var checks = Verdict.Compute(Suite(new SuiteMetric("auc", 0.9, "higher", 0.01)), Metrics(("auc", 0.95)), NoSlices,
            new Baseline("ev-1", "1.0.0", Metrics(("recall", 0.5))));

        checks.Single(c => c.Name == "regression:auc").Passed.ShouldBeTrue();
    }

    [Fact]
    public void metrics_without_a_regression_limit_are_not_compared()
    {
        var checks = Verdict.Compute(Suite(new SuiteMetric("auc", 0.9, "higher")), Metrics(("auc", 0.91)), NoSlices,
            new Baseline("ev-1", "1.0.0", Metrics(("auc", 0.99))));

        checks.Select(c => c.Name).ShouldBe(["metric:auc"]);
        Verdict.Passed(checks).ShouldBeTrue();
    }

    [Fact]
    public void checks_come_in_suite_order_metrics_then_slices_then_regressions_and_all_must_pass()
    {
        var suite = new SuiteRevision(3, "",
            [new SuiteMetric("auc", 0.9, "higher", 0.01), new SuiteMetric("latency-ms", 50, "lower", 5)],
            [new SuiteSlice("new-users", "auc", 0.8), new SuiteSlice("mobile", "latency-ms", 80)], "ana", Now);
        var slices = new Dictionary<string, IReadOnlyDictionary<string, double>>
        {
            ["new-users"] = Metrics(("auc", 0.85)),
            ["mobile"] = Metrics(("latency-ms", 70)),
        };

        var checks = Verdict.Compute(suite, Metrics(("auc", 0.92), ("latency-ms", 48)), slices,
            new Baseline("ev-1", "1.0.0", Metrics(("auc", 0.925), ("latency-ms", 40))));

        checks.Select(c => (c.Name, c.Passed)).ShouldBe([
            ("metric:auc", true), ("metric:latency-ms", true),
            ("slice:new-users:auc", true), ("slice:mobile:latency-ms", true),
            ("regression:auc", true), ("regression:latency-ms", false),
        ]);
        Verdict.Passed(checks).ShouldBeFalse();
    }
}
