using System.Text.Json;
using Governance.Api.Tests.Harness;

namespace Governance.Cli.Tests.Harness;

/// <summary>What one run of <c>gov</c> left: its exit code and everything it wrote.</summary>
public sealed record GovRun(int ExitCode, string Out, string Err)
{
    /// <summary>stdout as JSON (for <c>--output json</c>).</summary>
    public JsonElement Json => JsonDocument.Parse(Out).RootElement.Clone();

    /// <summary>Shown when an assertion fails, so the failure explains itself.</summary>
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Err}";

    /// <summary>Asserts the exit code, showing the output when it is not.</summary>
    public GovRun ShouldExit(int expected)
    {
        ExitCode.ShouldBe(expected, ToString());
        return this;
    }
}

/// <summary>
/// Runs <c>gov</c> in-process against the real service of a <see cref="GovernanceApp"/> (its test server's handler in
/// place of sockets), as a pipeline would: GOV_URL and GOV_TOKEN in the environment, files in a working folder.
/// </summary>
public static class GovRunner
{
    /// <summary>The URL the CLI is given; the test server answers any host.</summary>
    public const string Url = "http://localhost";

    /// <summary>A fresh working folder with no key file in it (tests that need one put it there).</summary>
    public static string NewFolder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "gov-cli-tests", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>Runs gov as the admin.</summary>
    public static Task<GovRun> Gov(this GovernanceApp app, params string[] args) => app.GovAs(GovernanceApp.AdminKey, args);

    /// <summary>Runs gov with <paramref name="token"/> in GOV_TOKEN (none when null).</summary>
    public static Task<GovRun> GovAs(this GovernanceApp app, string? token, params string[] args) =>
        app.GovWith(new Dictionary<string, string?> { ["GOV_URL"] = Url, ["GOV_TOKEN"] = token }, NewFolder(), args);

    /// <summary>Runs gov with exactly this environment and working folder.</summary>
    public static async Task<GovRun> GovWith(this GovernanceApp app, IReadOnlyDictionary<string, string?> environment, string folder, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var context = new CliContext(TextWriter.Synchronized(output), TextWriter.Synchronized(error), environment)
        {
            WorkingDirectory = folder,
            Handler = app.Server.CreateHandler(),
            PollInterval = TimeSpan.FromMilliseconds(50),
        };
        var code = await Cli.RunAsync(args, context);
        return new GovRun(code, output.ToString(), error.ToString());
    }

    /// <summary>Writes a file into <paramref name="folder"/> and returns its path.</summary>
    public static string WriteFile(string folder, string name, string content)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, content);
        return path;
    }
}

/// <summary>Things the CLI does not create, put in place through the API as an admin would, once.</summary>
public static class Setup
{
    /// <summary>A model with its stages, a dataset version and a model version, all registered with gov.</summary>
    public static async Task ModelWithVersionAsync(this GovernanceApp app, string model, string version = "1.0.0", string dataset = "txns")
    {
        (await app.Gov("models", "register", model, "--name", $"Model {model}", "--team", "payments-ml", "--task-type", "binary-classification",
            "--stage", "offline", "--stage", "shadow", "--stage", "production")).ShouldExit(0);
        var datasets = await app.Gov("datasets", "register", $"{dataset}-{model}", "2026-11-01", "--uri", $"s3://data/{model}/2026-11-01",
            "--digest", "sha256:" + new string('a', 64));
        datasets.ExitCode.ShouldBeOneOf(0, 3);
        await app.VersionAsync(model, version, dataset);
    }

    /// <summary>Registers one more version of a model with gov.</summary>
    public static async Task VersionAsync(this GovernanceApp app, string model, string version, string dataset = "txns") =>
        (await app.Gov("versions", "register", model, version, "--artifact-uri", $"s3://models/{model}/{version}",
            "--digest", "sha256:" + new string('b', 63) + version.Length, "--dataset", $"{dataset}-{model}@2026-11-01", "--code-commit", "a1b2c3d")).ShouldExit(0);

    /// <summary>A suite with an AUC threshold and a slice.</summary>
    public static Task DefineSuiteAsync(this GovernanceApp app, string name, double threshold = 0.9) =>
        app.Scenario(s => s.Post.Json(new
        {
            name,
            description = "Shared fraud metrics",
            metrics = new object[]
            {
                new { name = "auc", threshold, direction = "higher" },
                new { name = "latency_ms", threshold = 50, direction = "lower" },
            },
            slices = new object[] { new { name = "new-customers", metric = "auc", threshold = 0.85 } },
        }).ToUrl("/api/v1/evaluation-suites").StatusCodeShouldBe(201));

    /// <summary>Publishes a policy for the model (JSON, as admin).</summary>
    public static Task PublishPolicyAsync(this GovernanceApp app, string model, object stages) =>
        app.Scenario(s => s.Put.Json(new { stages }).ToUrl($"/api/v1/models/{model}/policy").StatusCodeShouldBe(200));
}
