using Governance.Api.Tests.Harness;

namespace Governance.Api.Tests.Registry;

/// <summary>Models, datasets, experiments and versions over HTTP: each row of the contract, happy and not.</summary>
public sealed class RegistryTests(GovernanceApp app) : IClassFixture<GovernanceApp>
{
    [Fact]
    public async Task a_registered_model_has_the_default_stages_and_nothing_deployed_yet()
    {
        await app.RegisterModelAsync("fraud-a");
        var model = await app.Scenario(s => s.Get.Url("/api/v1/models/fraud-a").StatusCodeShouldBe(200));
        model.Json.GetProperty("stages").EnumerateArray().Select(e => e.GetString()).ShouldBe(["offline", "shadow", "canary", "production"]);
        model.Json.GetProperty("deployments").GetArrayLength().ShouldBe(4);
        model.Json.GetProperty("deployments")[3].TryGetProperty("version", out _).ShouldBeFalse();
        model.Json.GetProperty("kpis")[0].GetProperty("name").GetString().ShouldBe("chargeback-rate");
        model.Json.GetProperty("registeredBy").GetString().ShouldBe("admin");
    }

    [Fact]
    public async Task models_can_be_listed_by_team()
    {
        await app.RegisterModelAsync("team-one-model", team: "team-one");
        await app.RegisterModelAsync("team-two-model", team: "team-two");
        var list = await app.Scenario(s => s.Get.Url("/api/v1/models?team=team-one").StatusCodeShouldBe(200));
        list.Json.EnumerateArray().Select(m => m.GetProperty("key").GetString()).ShouldBe(["team-one-model"]);
    }

    [Fact]
    public async Task a_model_key_is_registered_once()
    {
        await app.RegisterModelAsync("fraud-dup");
        await app.Scenario(s =>
        {
            s.Post.Json(new { key = "fraud-dup", name = "again", team = "t1", taskType = "x" }).ToUrl("/api/v1/models");
            s.StatusCodeShouldBe(409);
            s.ShouldBeProblem();
        });
    }

    [Theory]
    [InlineData("Fraud", "key")]
    [InlineData("-fraud", "key")]
    [InlineData("f", "key")]
    [InlineData("fraud_detector", "key")]
    public async Task a_model_key_must_be_a_slug(string key, string field)
    {
        var result = await app.Scenario(s =>
        {
            s.Post.Json(new { key, name = "n", team = "t1", taskType = "x" }).ToUrl("/api/v1/models");
            s.StatusCodeShouldBe(400);
            s.ShouldBeProblem();
        });
        result.Json.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue();
    }

    [Fact]
    public async Task stages_must_be_distinct_and_at_least_two()
    {
        await app.Scenario(s => s.Post.Json(new { key = "stages-a", name = "n", team = "t1", taskType = "x", stages = new[] { "offline" } }).ToUrl("/api/v1/models").StatusCodeShouldBe(400));
        await app.Scenario(s => s.Post.Json(new { key = "stages-b", name = "n", team = "t1", taskType = "x", stages = new[] { "a1", "a1" } }).ToUrl("/api/v1/models").StatusCodeShouldBe(400));
        await app.Scenario(s => s.Post.Json(new { key = "stages-c", name = "n", team = "t1", taskType = "x", stages = new[] { "dev", "prod" } }).ToUrl("/api/v1/models").StatusCodeShouldBe(201));
    }

    [Fact]
    public async Task a_viewer_cannot_register_a_model()
    {
        var viewer = await app.CreatePrincipalAsync("registry-viewer", "viewer");
        await app.Scenario(s => s.Post.Json(new { key = "nope-model", name = "n", team = "t1", taskType = "x" }).ToUrl("/api/v1/models").As(viewer).StatusCodeShouldBe(403));
    }

    [Fact]
    public async Task an_unknown_model_is_404()
    {
        await app.Scenario(s => s.Get.Url("/api/v1/models/never-registered").StatusCodeShouldBe(404).ShouldBeProblem());
    }

    [Fact]
    public async Task knowledge_notes_are_kept_newest_first()
    {
        await app.RegisterModelAsync("notes-model");
        await app.Scenario(s => s.Post.Json(new { title = "Why the 0.7 threshold", body = "Chosen with ops in 2025.", tags = new[] { "threshold" } }).ToUrl("/api/v1/models/notes-model/notes").StatusCodeShouldBe(201));
        await app.Scenario(s => s.Post.Json(new { title = "Holiday traffic", body = "Expect drift in December." }).ToUrl("/api/v1/models/notes-model/notes").StatusCodeShouldBe(201));
        var notes = await app.Scenario(s => s.Get.Url("/api/v1/models/notes-model/notes").StatusCodeShouldBe(200));
        notes.Json.EnumerateArray().Select(n => n.GetProperty("title").GetString()).ShouldBe(["Holiday traffic", "Why the 0.7 threshold"]);
        await app.Scenario(s => s.Post.Json(new { title = "t", body = "b" }).ToUrl("/api/v1/models/no-such-model/notes").StatusCodeShouldBe(404));
        await app.Scenario(s => s.Post.Json(new { title = "", body = "b" }).ToUrl("/api/v1/models/notes-model/notes").StatusCodeShouldBe(400));
    }

    [Fact]
    public async Task dataset_versions_are_registered_once_with_parents_that_exist()
    {
        await app.RegisterDatasetAsync("txns", "2026-11-01");
        await app.RegisterDatasetAsync("txns-clean", "v1", "txns@2026-11-01");
        await app.Scenario(s =>
        {
            s.Post.Json(new { version = "2026-11-01", uri = "s3://x", digest = RegistryScenarios.Digest(1) }).ToUrl("/api/v1/datasets/txns/versions");
            s.StatusCodeShouldBe(409);
            s.ShouldBeProblem();
        });
        var missingParent = await app.Scenario(s =>
        {
            s.Post.Json(new { version = "v2", uri = "s3://x", digest = RegistryScenarios.Digest(2), parents = new[] { "txns@1999" } }).ToUrl("/api/v1/datasets/txns-clean/versions");
            s.StatusCodeShouldBe(422);
            s.ShouldBeProblem();
        });
        missingParent.Json.GetProperty("errors").TryGetProperty("parents[0]", out _).ShouldBeTrue();
        var badDigest = await app.Scenario(s =>
        {
            s.Post.Json(new { version = "v3", uri = "s3://x", digest = "md5:abc" }).ToUrl("/api/v1/datasets/txns-clean/versions");
            s.StatusCodeShouldBe(400);
        });
        badDigest.Json.GetProperty("errors").TryGetProperty("digest", out _).ShouldBeTrue();
        var versions = await app.Scenario(s => s.Get.Url("/api/v1/datasets/txns-clean").StatusCodeShouldBe(200));
        versions.Json[0].GetProperty("parents")[0].GetString().ShouldBe("txns@2026-11-01");
    }

    [Fact]
    public async Task a_dataset_version_is_flagged_once()
    {
        await app.RegisterDatasetAsync("flaggy", "v1");
        await app.Scenario(s => s.Post.Json(new { reason = "Labels leaked from the future" }).ToUrl("/api/v1/datasets/flaggy/versions/v1/flag").StatusCodeShouldBe(200));
        await app.Scenario(s => s.Post.Json(new { reason = "again" }).ToUrl("/api/v1/datasets/flaggy/versions/v1/flag").StatusCodeShouldBe(409));
        await app.Scenario(s => s.Post.Json(new { reason = "x" }).ToUrl("/api/v1/datasets/flaggy/versions/v9/flag").StatusCodeShouldBe(404));
        await app.Scenario(s => s.Post.Json(new { reason = "" }).ToUrl("/api/v1/datasets/flaggy/versions/v1/flag").StatusCodeShouldBe(400));
        var version = await app.Scenario(s => s.Get.Url("/api/v1/datasets/flaggy/versions/v1").StatusCodeShouldBe(200));
        version.Json.GetProperty("flagged").GetBoolean().ShouldBeTrue();
        version.Json.GetProperty("flaggedReason").GetString().ShouldBe("Labels leaked from the future");
    }

    [Fact]
    public async Task experiments_keep_runs_and_end_with_a_reason()
    {
        await app.RegisterModelAsync("exp-model");
        await app.RegisterDatasetAsync("exp-data", "v1");
        var id = await app.StartExperimentAsync("exp-model", "config");
        await app.RecordRunAsync(id, "run-1", "exp-data@v1");
        await app.Scenario(s => s.Post.Json(new { runId = "run-1", codeCommit = "c", configHash = "h" }).ToUrl($"/api/v1/experiments/{id}/runs").StatusCodeShouldBe(409));
        var unknownData = await app.Scenario(s =>
        {
            s.Post.Json(new { runId = "run-2", codeCommit = "c", configHash = "h", datasets = new[] { "exp-data@v9" } }).ToUrl($"/api/v1/experiments/{id}/runs");
            s.StatusCodeShouldBe(422);
        });
        unknownData.Json.GetProperty("errors").TryGetProperty("datasets[0]", out _).ShouldBeTrue();
        await app.Scenario(s => s.Post.Json(new { runId = "run-3", codeCommit = "c", configHash = "h", startedAt = "2026-11-23T09:00:00Z", finishedAt = "2026-11-23T08:00:00Z" })
            .ToUrl($"/api/v1/experiments/{id}/runs").StatusCodeShouldBe(400));

        await app.Scenario(s => s.Post.Json(new { outcome = "abandoned", reason = "No lift over baseline; labels too sparse" }).ToUrl($"/api/v1/experiments/{id}/conclusion").StatusCodeShouldBe(200));
        await app.Scenario(s => s.Post.Json(new { outcome = "adopted", reason = "changed my mind" }).ToUrl($"/api/v1/experiments/{id}/conclusion").StatusCodeShouldBe(409));
        await app.Scenario(s => s.Post.Json(new { runId = "run-4", codeCommit = "c", configHash = "h" }).ToUrl($"/api/v1/experiments/{id}/runs").StatusCodeShouldBe(409));

        var experiment = await app.Scenario(s => s.Get.Url($"/api/v1/experiments/{id}").StatusCodeShouldBe(200));
        experiment.Json.GetProperty("kind").GetString().ShouldBe("config");
        experiment.Json.GetProperty("outcome").GetString().ShouldBe("abandoned");
        experiment.Json.GetProperty("reason").GetString().ShouldBe("No lift over baseline; labels too sparse");
        experiment.Json.GetProperty("runs").GetArrayLength().ShouldBe(1);

        var list = await app.Scenario(s => s.Get.Url("/api/v1/experiments?model=exp-model").StatusCodeShouldBe(200));
        list.Json.GetArrayLength().ShouldBe(1);
    }

    [Fact]
    public async Task experiments_need_a_known_model_and_base_version_and_a_valid_kind()
    {
        var noModel = await app.Scenario(s => s.Post.Json(new { model = "ghost-model", hypothesis = "h", kind = "data" }).ToUrl("/api/v1/experiments").StatusCodeShouldBe(422));
        noModel.Json.GetProperty("errors").TryGetProperty("model", out _).ShouldBeTrue();
        await app.RegisterModelAsync("exp-base-model");
        var noBase = await app.Scenario(s => s.Post.Json(new { model = "exp-base-model", hypothesis = "h", kind = "data", baseVersion = "9.9" }).ToUrl("/api/v1/experiments").StatusCodeShouldBe(422));
        noBase.Json.GetProperty("errors").TryGetProperty("baseVersion", out _).ShouldBeTrue();
        await app.Scenario(s => s.Post.Json(new { model = "exp-base-model", hypothesis = "h", kind = "vibes" }).ToUrl("/api/v1/experiments").StatusCodeShouldBe(400));
        await app.Scenario(s => s.Post.Json(new { outcome = "adopted", reason = "r" }).ToUrl("/api/v1/experiments/exp-nope/conclusion").StatusCodeShouldBe(404));
        await app.Scenario(s => s.Post.Json(new { runId = "r", codeCommit = "c", configHash = "h" }).ToUrl("/api/v1/experiments/exp-nope/runs").StatusCodeShouldBe(404));
    }

    [Fact]
    public async Task model_versions_are_registered_once_from_references_that_exist()
    {
        await app.RegisterModelAsync("mv-model");
        await app.RegisterDatasetAsync("mv-data", "v1");
        var exp = await app.StartExperimentAsync("mv-model");
        await app.RecordRunAsync(exp, "run-1", "mv-data@v1");
        await app.RegisterVersionAsync("mv-model", "1.0.0", ["mv-data@v1"], exp, "run-1");
        await app.RegisterVersionAsync("mv-model", "1.1.0", ["mv-data@v1"], parents: ["mv-model@1.0.0"]);

        await app.Scenario(s => s.Post.Json(new { version = "1.0.0", artifactUri = "s3://x", digest = RegistryScenarios.Digest(5), codeCommit = "c" })
            .ToUrl("/api/v1/models/mv-model/versions").StatusCodeShouldBe(409));
        await app.Scenario(s => s.Post.Json(new { version = "1.0.0", artifactUri = "s3://x", digest = RegistryScenarios.Digest(5), codeCommit = "c" })
            .ToUrl("/api/v1/models/ghost-model/versions").StatusCodeShouldBe(404));

        async Task Unprocessable(object body, string field)
        {
            var result = await app.Scenario(s => s.Post.Json(body).ToUrl("/api/v1/models/mv-model/versions").StatusCodeShouldBe(422).ShouldBeProblem());
            result.Json.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue($"422 should name {field}: {result.Body}");
        }

        await Unprocessable(new { version = "2.0", artifactUri = "s3://x", digest = RegistryScenarios.Digest(6), codeCommit = "c", trainingDatasets = new[] { "mv-data@v7" } }, "trainingDatasets[0]");
        await Unprocessable(new { version = "2.0", artifactUri = "s3://x", digest = RegistryScenarios.Digest(6), codeCommit = "c", parents = new[] { "mv-model@0.1" } }, "parents[0]");
        await Unprocessable(new { version = "2.0", artifactUri = "s3://x", digest = RegistryScenarios.Digest(6), codeCommit = "c", experimentId = "exp-ghost" }, "experimentId");
        await Unprocessable(new { version = "2.0", artifactUri = "s3://x", digest = RegistryScenarios.Digest(6), codeCommit = "c", experimentId = exp, runId = "run-9" }, "runId");
        await app.Scenario(s => s.Post.Json(new { version = "2.0", artifactUri = "s3://x", digest = RegistryScenarios.Digest(6), codeCommit = "c", runId = "run-1" })
            .ToUrl("/api/v1/models/mv-model/versions").StatusCodeShouldBe(400));

        var version = await app.Scenario(s => s.Get.Url("/api/v1/models/mv-model/versions/1.0.0").StatusCodeShouldBe(200));
        version.Json.GetProperty("lineage").GetProperty("trainingDatasets")[0].GetString().ShouldBe("mv-data@v1");
        version.Json.GetProperty("lineage").GetProperty("run").GetString().ShouldBe("run-1");
        version.Json.GetProperty("lineage").GetProperty("children")[0].GetString().ShouldBe("mv-model@1.1.0");
        version.Json.GetProperty("config").GetProperty("threshold").GetDouble().ShouldBe(0.7);
        await app.Scenario(s => s.Get.Url("/api/v1/models/mv-model/versions/9.9").StatusCodeShouldBe(404));
        var list = await app.Scenario(s => s.Get.Url("/api/v1/models/mv-model/versions").StatusCodeShouldBe(200));
        list.Json.GetArrayLength().ShouldBe(2);
    }

    [Fact]
    public async Task guardrails_are_versioned_with_the_model_version()
    {
        await app.RegisterModelAsync("guard-model");
        await app.RegisterVersionAsync("guard-model", "1.0");
        await app.Scenario(s => s.Post.Json(new { name = "amount-cap", version = "3", description = "Block scores on amounts over 10k" }).ToUrl("/api/v1/models/guard-model/versions/1.0/guardrails").StatusCodeShouldBe(201));
        await app.Scenario(s => s.Post.Json(new { name = "amount-cap", version = "3" }).ToUrl("/api/v1/models/guard-model/versions/1.0/guardrails").StatusCodeShouldBe(409));
        var version = await app.Scenario(s => s.Get.Url("/api/v1/models/guard-model/versions/1.0").StatusCodeShouldBe(200));
        version.Json.GetProperty("guardrails")[0].GetProperty("name").GetString().ShouldBe("amount-cap");
        var lineage = await app.Scenario(s => s.Get.Url("/api/v1/lineage?node=model:guard-model@1.0&direction=upstream").StatusCodeShouldBe(200));
        lineage.Json.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("id").GetString()).ShouldContain("guardrail:amount-cap@3");
    }
}
