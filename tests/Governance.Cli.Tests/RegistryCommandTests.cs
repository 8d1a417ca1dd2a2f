using Governance.Api.Tests.Harness;
using Governance.Cli.Core;
using Governance.Cli.Tests.Harness;

namespace Governance.Cli.Tests;

/// <summary>gov models/datasets/versions register, gov lineage and gov deployments against the real service.</summary>
public sealed class RegistryCommandTests(GovernanceApp app) : IClassFixture<GovernanceApp>
{
    [Fact]
    public async Task registering_a_model_prints_what_was_registered()
    {
        var run = (await app.Gov("models", "register", "reg-fraud", "--name", "Fraud detector", "--team", "payments-ml", "--task-type", "binary-classification",
            "--stage", "offline", "--stage", "shadow", "--stage", "production", "--description", "Scores card transactions")).ShouldExit(ExitCodes.Done);
        run.Out.ShouldBe("Registered model reg-fraud (Fraud detector), team payments-ml; stages offline → shadow → production." + Environment.NewLine);
        run.Err.ShouldBeEmpty();

        var model = await app.Scenario(s => s.Get.Url("/api/v1/models/reg-fraud").StatusCodeShouldBe(200));
        model.Json.GetProperty("description").GetString().ShouldBe("Scores card transactions");
        model.Json.GetProperty("registeredBy").GetString().ShouldBe("admin");
    }

    [Fact]
    public async Task json_output_is_the_services_answer_as_is()
    {
        var run = (await app.Gov("models", "register", "reg-json", "--name", "J", "--team", "payments-ml", "--task-type", "ranking", "--output", "json"))
            .ShouldExit(ExitCodes.Done);
        run.Json.GetProperty("key").GetString().ShouldBe("reg-json");
        run.Json.GetProperty("stages").EnumerateArray().Select(s => s.GetString()).ShouldBe(["offline", "shadow", "canary", "production"]);
    }

    [Fact]
    public async Task registering_twice_is_refused_with_the_services_sentence()
    {
        string[] args = ["models", "register", "reg-twice", "--name", "T", "--team", "payments-ml", "--task-type", "ranking"];
        (await app.Gov(args)).ShouldExit(ExitCodes.Done);
        var before = await app.EventCountAsync();

        var run = (await app.Gov(args)).ShouldExit(ExitCodes.Refused);
        run.Err.ShouldBe("Conflict: A model with key 'reg-twice' is already registered." + Environment.NewLine);
        run.Out.ShouldBeEmpty();
        (await app.EventCountAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task invalid_fields_are_printed_one_per_line_without_a_trace()
    {
        var run = (await app.Gov("models", "register", "Not A Key", "--name", "x", "--team", "payments-ml", "--task-type", "ranking", "--stage", "only"))
            .ShouldExit(ExitCodes.Error);
        var lines = run.Err.TrimEnd().Split(Environment.NewLine);
        lines[0].ShouldBe("Invalid request: One or more fields are invalid.");
        lines.ShouldContain(l => l.StartsWith("  key: ", StringComparison.Ordinal));
        lines.ShouldContain("  stages: A model needs at least two stages (where it starts and where it goes).");
        run.Err.ShouldNotContain("Exception");
    }

    [Fact]
    public async Task datasets_and_versions_register_with_their_lineage()
    {
        await app.Gov("models", "register", "reg-lin", "--name", "L", "--team", "payments-ml", "--task-type", "ranking");
        (await app.Gov("datasets", "register", "raw-lin", "v1", "--uri", "s3://raw/v1", "--digest", "sha256:" + new string('1', 64))).ShouldExit(0);
        var dataset = (await app.Gov("datasets", "register", "clean-lin", "v1", "--uri", "s3://clean/v1", "--digest", "sha256:" + new string('2', 64),
            "--rows", "1200", "--parent", "raw-lin@v1")).ShouldExit(ExitCodes.Done);
        dataset.Out.ShouldBe("Registered dataset clean-lin@v1 (lineage node dataset:clean-lin@v1)." + Environment.NewLine);

        var folder = GovRunner.NewFolder();
        var config = GovRunner.WriteFile(folder, "train.json", """{"threshold": 0.7, "features": ["amount", "country"]}""");
        var version = (await app.GovWith(new Dictionary<string, string?> { ["GOV_URL"] = GovRunner.Url, ["GOV_TOKEN"] = GovernanceApp.AdminKey }, folder,
            "versions", "register", "reg-lin", "1.0.0", "--artifact-uri", "s3://models/lin/1.0.0", "--digest", "sha256:" + new string('3', 64),
            "--dataset", "clean-lin@v1", "--code-commit", "a1b2c3d", "--config", "train.json")).ShouldExit(ExitCodes.Done);
        version.Out.ShouldBe("Registered reg-lin@1.0.0 (lineage node model:reg-lin@1.0.0)." + Environment.NewLine);
        var stored = await app.Scenario(s => s.Get.Url("/api/v1/models/reg-lin/versions/1.0.0").StatusCodeShouldBe(200));
        stored.Body.ShouldContain("\"threshold\":0.7");
        File.Exists(config).ShouldBeTrue();

        var lineage = (await app.Gov("lineage", "model:reg-lin@1.0.0", "--direction", "upstream", "--depth", "3")).ShouldExit(ExitCodes.Done);
        lineage.Out.ShouldContain("dataset:raw-lin@v1");
        lineage.Out.ShouldContain("dataset:clean-lin@v1");
        lineage.Out.ShouldMatch(@"FROM\s+EDGE\s+TO");
        var json = (await app.Gov("lineage", "model:reg-lin@1.0.0", "--output", "json")).ShouldExit(ExitCodes.Done);
        json.Json.GetProperty("edges").GetArrayLength().ShouldBe(2);
    }

    [Fact]
    public async Task a_version_of_an_unknown_model_is_an_error_naming_it()
    {
        var run = (await app.Gov("versions", "register", "reg-nobody", "1.0.0", "--artifact-uri", "s3://m", "--digest", "sha256:" + new string('4', 64),
            "--code-commit", "a1b2c3d"))
            .ShouldExit(ExitCodes.Error);
        run.Err.ShouldBe("Not found: No model 'reg-nobody'." + Environment.NewLine);
    }

    [Fact]
    public async Task a_config_file_that_is_not_an_object_is_an_error_and_nothing_is_sent()
    {
        await app.Gov("models", "register", "reg-cfg", "--name", "C", "--team", "payments-ml", "--task-type", "ranking");
        var folder = GovRunner.NewFolder();
        GovRunner.WriteFile(folder, "config.json", "[1, 2]");
        var before = await app.EventCountAsync();
        var run = (await app.GovWith(new Dictionary<string, string?> { ["GOV_URL"] = GovRunner.Url, ["GOV_TOKEN"] = GovernanceApp.AdminKey }, folder,
            "versions", "register", "reg-cfg", "1.0.0", "--artifact-uri", "s3://m", "--digest", "sha256:" + new string('5', 64), "--config", "config.json", "--code-commit", "a1b2c3d"))
            .ShouldExit(ExitCodes.Error);
        run.Err.ShouldContain("config.json: expected a JSON object");
        (await app.EventCountAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task the_code_commit_comes_from_the_ci_environment_when_not_given()
    {
        await app.Gov("models", "register", "reg-ci", "--name", "C", "--team", "payments-ml", "--task-type", "ranking");
        string[] args = ["versions", "register", "reg-ci", "1.0.0", "--artifact-uri", "s3://m", "--digest", "sha256:" + new string('6', 64)];
        var before = await app.EventCountAsync();
        var missing = (await app.Gov(args)).ShouldExit(ExitCodes.Usage);
        missing.Err.ShouldStartWith("--code-commit is required: the commit of the training code (in CI it defaults to GITHUB_SHA, CI_COMMIT_SHA,");
        (await app.EventCountAsync()).ShouldBe(before);

        (await app.GovWith(new Dictionary<string, string?> { ["GOV_URL"] = GovRunner.Url, ["GOV_TOKEN"] = GovernanceApp.AdminKey, ["CI_COMMIT_SHA"] = "9f8e7d6" },
            GovRunner.NewFolder(), args)).ShouldExit(ExitCodes.Done);
        var stored = await app.Scenario(s => s.Get.Url("/api/v1/models/reg-ci/versions/1.0.0").StatusCodeShouldBe(200));
        stored.Body.ShouldContain("\"codeCommit\":\"9f8e7d6\"");
    }

    [Fact]
    public async Task deployments_list_every_stage_now_or_at_an_instant()
    {
        await app.Gov("models", "register", "reg-dep", "--name", "D", "--team", "payments-ml", "--task-type", "ranking", "--stage", "offline", "--stage", "shadow");
        var run = (await app.Gov("deployments", "reg-dep")).ShouldExit(ExitCodes.Done);
        run.Out.ShouldMatch(@"STAGE\s+VERSION\s+SINCE\s+APPROVED BY\s+FALLBACK\s+PROMOTION");
        run.Out.ShouldContain("offline");
        run.Out.ShouldContain("shadow");

        (await app.Gov("deployments", "reg-dep", "--at", "2026-11-23T08:00:00Z", "--output", "json")).ShouldExit(0)
            .Json.GetProperty("at").GetString().ShouldBe("2026-11-23T08:00:00Z");
        (await app.Gov("deployments", "reg-dep", "--at", "yesterday")).ShouldExit(ExitCodes.Error)
            .Err.ShouldStartWith("Invalid query: 'at' must be an ISO-8601 instant such as 2026-11-22T10:00:00Z");
        (await app.Gov("deployments", "reg-none")).ShouldExit(ExitCodes.Error).Err.ShouldStartWith("Not found:");
    }
}
