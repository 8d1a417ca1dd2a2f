using Governance.Api.Tests.Harness;

namespace Governance.Api.Tests.Registry;

/// <summary>Short ways to put registry things in place through the public API.</summary>
public static class RegistryScenarios
{
    /// <summary>A digest that passes validation, different per seed.</summary>
    public static string Digest(int seed) => "sha256:" + seed.ToString("x64", System.Globalization.CultureInfo.InvariantCulture);

    public static Task<IScenarioResult> RegisterModelAsync(this GovernanceApp app, string key, string team = "fraud-team", string[]? stages = null) =>
        app.Scenario(s =>
        {
            s.Post.Json(new { key, name = $"Model {key}", description = "Scores card transactions", team, taskType = "binary-classification", stages, kpis = new[] { "chargeback-rate" } })
                .ToUrl("/api/v1/models");
            s.StatusCodeShouldBe(201);
        });

    public static Task<IScenarioResult> RegisterDatasetAsync(this GovernanceApp app, string name, string version, params string[] parents) =>
        app.Scenario(s =>
        {
            s.Post.Json(new { version, uri = $"s3://data/{name}/{version}", digest = Digest(name.Length * 1000 + version.Length), rows = 1000, parents })
                .ToUrl($"/api/v1/datasets/{name}/versions");
            s.StatusCodeShouldBe(201);
        });

    public static async Task<string> StartExperimentAsync(this GovernanceApp app, string model, string kind = "data")
    {
        var result = await app.Scenario(s =>
        {
            s.Post.Json(new { model, hypothesis = "Fresher labels lift recall", kind }).ToUrl("/api/v1/experiments");
            s.StatusCodeShouldBe(201);
        });
        return result.Json.GetProperty("id").GetString()!;
    }

    public static Task<IScenarioResult> RecordRunAsync(this GovernanceApp app, string experiment, string runId, params string[] datasets) =>
        app.Scenario(s =>
        {
            s.Post.Json(new
            {
                runId, codeCommit = "a1b2c3d", configHash = "cfg-1", @params = new { lr = 0.1, depth = 6 }, seed = 42, datasets,
                environment = "python 3.11, xgboost 2.0", metrics = new { auc = 0.91 },
                startedAt = "2026-11-23T08:00:00Z", finishedAt = "2026-11-23T08:30:00Z",
            }).ToUrl($"/api/v1/experiments/{experiment}/runs");
            s.StatusCodeShouldBe(201);
        });

    public static Task<IScenarioResult> RegisterVersionAsync(this GovernanceApp app, string model, string version, string[]? datasets = null,
        string? experimentId = null, string? runId = null, string[]? parents = null) =>
        app.Scenario(s =>
        {
            s.Post.Json(new
            {
                version, artifactUri = $"s3://models/{model}/{version}", digest = Digest(version.GetHashCode() & 0xffff), experimentId, runId,
                trainingDatasets = datasets ?? [], parents = parents ?? [], codeCommit = "a1b2c3d", config = new { threshold = 0.7 },
            }).ToUrl($"/api/v1/models/{model}/versions");
            s.StatusCodeShouldBe(201);
        });
}
