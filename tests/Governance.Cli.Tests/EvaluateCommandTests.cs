using Governance.Api.Tests.Harness;
using Governance.Cli.Core;
using Governance.Cli.Tests.Harness;

namespace Governance.Cli.Tests;

/// <summary>gov evaluate: metrics from the files a training job wrote, every check printed, exit 3 when the verdict fails.</summary>
public sealed class EvaluateCommandTests(GovernanceApp app) : IClassFixture<GovernanceApp>
{
    private static Dictionary<string, string?> Environment => new() { ["GOV_URL"] = GovRunner.Url, ["GOV_TOKEN"] = GovernanceApp.AdminKey };

    private async Task<(string Folder, string[] Args)> PrepareAsync(string model, string suite)
    {
        await app.ModelWithVersionAsync(model);
        await app.DefineSuiteAsync(suite);
        return (GovRunner.NewFolder(), ["evaluate", model, "1.0.0", "--suite", suite, "--stage", "offline", "--dataset", $"txns-{model}@2026-11-01"]);
    }

    [Fact]
    public async Task a_passing_evaluation_prints_every_check_and_exits_0()
    {
        var (folder, args) = await PrepareAsync("ev-pass", "ev-pass-core");
        GovRunner.WriteFile(folder, "metrics.json", """{"auc": 0.93, "latency_ms": 38}""");
        GovRunner.WriteFile(folder, "slices.json", """{"new-customers": {"auc": 0.88}}""");

        var run = (await app.GovWith(Environment, folder, [.. args, "--metrics", "metrics.json", "--slices", "slices.json"])).ShouldExit(ExitCodes.Done);
        var lines = run.Out.TrimEnd().Split(System.Environment.NewLine);
        lines[0].ShouldMatch(@"^CHECK\s+RESULT\s+DETAIL$");
        lines[1].ShouldMatch(@"^metric:auc\s+pass\s+auc = 0\.93");
        lines[2].ShouldMatch(@"^metric:latency_ms\s+pass\s+latency_ms = 38");
        lines[3].ShouldMatch(@"^slice:new-customers:auc\s+pass\s+");
        lines[4].ShouldMatch(@"^Evaluation [0-9a-f]+ of ev-pass@1\.0\.0 on ev-pass-core: passed \(3 checks\)\.$");
        run.Err.ShouldBeEmpty();
    }

    [Fact]
    public async Task a_failing_evaluation_marks_what_failed_and_exits_3()
    {
        var (folder, args) = await PrepareAsync("ev-fail", "ev-fail-core");
        GovRunner.WriteFile(folder, "metrics.json", """{"auc": 0.81, "latency_ms": 38}""");

        var run = (await app.GovWith(Environment, folder, [.. args, "--metrics", "metrics.json"])).ShouldExit(ExitCodes.Refused);
        run.Out.ShouldMatch(@"metric:auc\s+FAIL\s+auc = 0\.81");
        run.Out.ShouldMatch(@"slice:new-customers:auc\s+FAIL\s+auc on slice new-customers is missing\.");
        run.Out.ShouldContain("failed (2 of 3 checks failed: metric:auc, slice:new-customers:auc).");
    }

    [Fact]
    public async Task a_wrapped_metrics_file_carries_its_slices_and_json_output_is_the_verdict()
    {
        var (folder, args) = await PrepareAsync("ev-wrap", "ev-wrap-core");
        GovRunner.WriteFile(folder, "eval.json", """
            {"run": "nightly-42", "metrics": {"auc": 0.95, "latency_ms": 20}, "slices": {"new-customers": {"auc": 0.8}}, "productMetrics": {"approval_rate": 0.97}}
            """);

        var run = (await app.GovWith(Environment, folder, [.. args, "--metrics", "eval.json", "--output", "json"])).ShouldExit(ExitCodes.Refused);
        run.Json.GetProperty("passed").GetBoolean().ShouldBeFalse();
        run.Json.GetProperty("checks").EnumerateArray().Single(c => !c.GetProperty("passed").GetBoolean())
            .GetProperty("name").GetString().ShouldBe("slice:new-customers:auc");

        // stdout stays pure JSON; the sentence goes to stderr.
        run.Err.ShouldContain("failed (1 of 3 checks failed: slice:new-customers:auc)");
    }

    [Fact]
    public async Task a_metrics_file_with_text_in_it_is_an_error_and_nothing_is_recorded()
    {
        var (folder, args) = await PrepareAsync("ev-bad", "ev-bad-core");
        GovRunner.WriteFile(folder, "metrics.json", """{"auc": "high"}""");
        var before = await app.EventCountAsync();

        var run = (await app.GovWith(Environment, folder, [.. args, "--metrics", "metrics.json"])).ShouldExit(ExitCodes.Error);
        run.Err.ShouldBe($"--metrics {Path.Combine(folder, "metrics.json")}: 'auc' is the text \"high\", not a number.{System.Environment.NewLine}");
        (await app.EventCountAsync()).ShouldBe(before);

        (await app.GovWith(Environment, folder, [.. args, "--metrics", "missing.json"])).ShouldExit(ExitCodes.Error).Err.ShouldContain("missing.json: no such file.");
    }

    [Fact]
    public async Task an_evaluation_without_datasets_is_refused_by_the_service_with_its_sentence()
    {
        var (folder, args) = await PrepareAsync("ev-nods", "ev-nods-core");
        GovRunner.WriteFile(folder, "metrics.json", """{"auc": 0.95}""");
        var run = (await app.GovWith(Environment, folder, [.. args[..^2], "--metrics", "metrics.json"])).ShouldExit(ExitCodes.Error);
        run.Err.ShouldContain("  datasets: Name the dataset versions evaluated on, as \"name@version\".");
    }
}
