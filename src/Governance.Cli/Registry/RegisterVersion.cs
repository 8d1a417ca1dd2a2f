using System.CommandLine;
using Governance.Cli.Core;

namespace Governance.Cli.Registry;

/// <summary><c>gov versions register</c>: POST /models/{key}/versions.</summary>
public static class RegisterVersion
{
    /// <summary>Where CI systems put the commit being built (GitHub Actions, GitLab CI, Azure Pipelines, Jenkins), in that order.</summary>
    public static readonly IReadOnlyList<string> CommitVariables = ["GITHUB_SHA", "CI_COMMIT_SHA", "BUILD_SOURCEVERSION", "GIT_COMMIT"];

    public static Command Create(Runner run)
    {
        var model = new Argument<string>("model") { Description = "The model's key" };
        var version = new Argument<string>("version") { Description = "The version's label, e.g. 1.4.0 or the commit" };
        var artifactUri = new Option<string>("--artifact-uri") { Description = "Where the artifact lives", Required = true };
        var digest = new Option<string>("--digest") { Description = "The artifact's digest; approvals bind to it", Required = true };
        var experiment = new Option<string?>("--experiment") { Description = "The experiment that produced it" };
        var runId = new Option<string?>("--run") { Description = "The experiment's run that produced it" };
        var datasets = new Option<string[]>("--dataset") { Description = "A training dataset version, as name@version; repeat it" };
        var parents = new Option<string[]>("--parent") { Description = "A model version it derives from, as model@version; repeat it" };
        var codeCommit = new Option<string?>("--code-commit")
        {
            Description = $"The commit of the training code [default in CI: {string.Join(", ", CommitVariables)}]",
        };
        var config = new Option<string?>("--config") { Description = "A JSON file with the training configuration (an object)", HelpName = "file.json" };
        var command = new Command("register", """
            Register a model version: its artifact, digest and where it came from (lineage).

            Example: gov versions register fraud-detector 1.4.0 --artifact-uri s3://models/fraud/1.4.0 --digest sha256:0123… --dataset transactions@2026-11-01 --code-commit a1b2c3d --config train-config.json
            """)
        {
            model, version, artifactUri, digest, experiment, runId, datasets, parents, codeCommit, config,
        };
        command.SetAction(run.Action(async (session, parse, ct) =>
        {
            var configFile = parse.GetValue(config);
            var commit = parse.GetValue(codeCommit) ?? CommitVariables.Select(session.Context.Variable).FirstOrDefault(v => v is not null)
                ?? throw new CliException(ExitCodes.Usage,
                    $"--code-commit is required: the commit of the training code (in CI it defaults to {string.Join(", ", CommitVariables)}).\n" +
                    "Run 'gov versions register --help' for usage and an example.");
            var response = await session.Api.PostAsync($"models/{Uri.EscapeDataString(parse.GetValue(model)!)}/versions", new
            {
                version = parse.GetValue(version),
                artifactUri = parse.GetValue(artifactUri),
                digest = parse.GetValue(digest),
                experimentId = parse.GetValue(experiment),
                runId = parse.GetValue(runId),
                trainingDatasets = parse.GetValue(datasets) ?? [],
                parents = parse.GetValue(parents) ?? [],
                codeCommit = commit,
                config = configFile is null ? (object?)null : JsonFiles.ReadObject(session.ResolvePath(configFile), "--config"),
            }, ct);
            return await session.DoneAsync(response, async () =>
            {
                var created = response.Json();
                await session.Out.WriteLineAsync($"Registered {created.Str("model")}@{created.Str("version")} (lineage node {created.Str("node")}).");
            });
        }));
        return command;
    }
}
