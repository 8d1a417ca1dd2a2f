using System.CommandLine;
using Governance.Cli.Core;

namespace Governance.Cli.Evaluations;

/// <summary><c>gov evaluate</c>: POST /evaluations with the metrics a training job wrote; exit 3 when the verdict is "failed".</summary>
public static class Evaluate
{
    public static Command Create(Runner run)
    {
        var model = new Argument<string>("model") { Description = "The model's key" };
        var version = new Argument<string>("version") { Description = "The version evaluated" };
        var suite = new Option<string>("--suite") { Description = "The evaluation suite that judges it", Required = true };
        var stage = new Option<string>("--stage") { Description = "The stage it was evaluated for, e.g. offline", Required = true };
        var metrics = new Option<string>("--metrics")
        {
            Description = "A JSON file of overall metrics: {\"auc\": 0.93, …}, or {\"metrics\": {…}, \"slices\": {…}, \"productMetrics\": {…}}",
            Required = true,
            HelpName = "file.json",
        };
        var slices = new Option<string?>("--slices")
        {
            Description = "A JSON file of metrics per slice: {\"new-customers\": {\"auc\": 0.88}, …} (wins over slices in --metrics)",
            HelpName = "file.json",
        };
        var datasets = new Option<string[]>("--dataset") { Description = "A dataset version evaluated on, as name@version; repeat it (at least one)" };
        var command = new Command("evaluate", """
            Record an evaluation of a model version against a suite; prints every check with pass/fail and exits 3 when it fails.

            Example: gov evaluate fraud-detector 1.4.0 --suite fraud-core --stage offline --metrics out/metrics.json --slices out/slices.json --dataset transactions@2026-11-01
            """)
        {
            model, version, suite, stage, metrics, slices, datasets,
        };
        command.SetAction(run.Action(async (session, parse, ct) =>
        {
            var values = JsonFiles.ReadMetrics(session.ResolvePath(parse.GetValue(metrics)!), "--metrics");
            var sliceFile = parse.GetValue(slices);
            var sliceValues = sliceFile is null ? values.Slices : JsonFiles.ReadSlices(session.ResolvePath(sliceFile), "--slices");
            var given = parse.GetValue(datasets);
            var response = await session.Api.PostAsync("evaluations", new
            {
                model = parse.GetValue(model),
                version = parse.GetValue(version),
                suite = parse.GetValue(suite),
                stage = parse.GetValue(stage),
                datasets = given is { Length: > 0 } ? given : null,
                metrics = values.Metrics,
                slices = sliceValues,
                productMetrics = values.ProductMetrics,
            }, ct);
            var verdict = response.Json();
            var checks = verdict.Array("checks");
            var passed = verdict.Bool("passed");
            if (session.Json)
            {
                session.WriteJson(response);
            }
            else
            {
                Table.Write(session.Out, ["check", "result", "detail"],
                    checks.Select(c => (IReadOnlyList<string?>)[c.Str("name"), c.Bool("passed") ? "pass" : "FAIL", c.Str("detail")]));
            }

            var failed = checks.Where(c => !c.Bool("passed")).Select(c => c.Str("name") ?? "?").ToList();
            var subject = $"Evaluation {verdict.Str("id")} of {parse.GetValue(model)}@{parse.GetValue(version)} on {parse.GetValue(suite)}";
            await session.Progress.WriteLineAsync(passed
                ? $"{subject}: passed ({checks.Count} checks)."
                : $"{subject}: failed ({failed.Count} of {checks.Count} checks failed: {string.Join(", ", failed)}).");
            return passed ? ExitCodes.Done : ExitCodes.Refused;
        }));
        return command;
    }
}
