using System.Diagnostics;
using System.Globalization;
using System.Text;
using Governance.Api.Tests.Harness;

namespace Governance.Api.Tests.Promotions;

/// <summary>Policy as code: defaults, JSON and YAML bodies, revisions and refusals.</summary>
public sealed class PolicyTests(GovernanceApp app) : IClassFixture<GovernanceApp>
{
    [Fact]
    public async Task a_model_without_a_policy_has_the_defaults_as_revision_zero()
    {
        await app.ModelWithVersionsAsync("policy-defaults");
        var policy = await app.Scenario(s => s.Get.Url("/api/v1/models/policy-defaults/policy").StatusCodeShouldBe(200));
        policy.Json.GetProperty("revision").GetInt32().ShouldBe(0);
        var stages = policy.Json.GetProperty("stages");
        stages.GetProperty("shadow").GetProperty("requiredApprovals").GetInt32().ShouldBe(1);
        stages.GetProperty("canary").GetProperty("requiredApprovals").GetInt32().ShouldBe(1);
        stages.GetProperty("production").GetProperty("requiredApprovals").GetInt32().ShouldBe(2);
        var production = stages.GetProperty("production");
        production.GetProperty("approverRoles").EnumerateArray().Select(r => r.GetString()).ShouldBe(["approver"]);
        production.GetProperty("blockOnIncidentSeverity").GetString().ShouldBe("SEV2");
        production.GetProperty("minSoak").GetString().ShouldBe("P0D");
        production.GetProperty("allowSelfApproval").GetBoolean().ShouldBeFalse();
        production.GetProperty("autoDeploy").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public async Task a_json_policy_is_a_new_revision_with_unnamed_fields_and_stages_defaulted()
    {
        await app.ModelWithVersionsAsync("policy-json");
        (await app.PublishPolicyAsync("policy-json", new { production = new { requiredApprovals = 3, minSoak = "P2D", requiredSuites = new[] { "core-suite" } } })).ShouldBe(1);
        (await app.PublishPolicyAsync("policy-json", new { canary = new { autoDeploy = true } })).ShouldBe(2);
        var policy = await app.Scenario(s => s.Get.Url("/api/v1/models/policy-json/policy?revision=1").StatusCodeShouldBe(200));
        policy.Json.GetProperty("publishedBy").GetString().ShouldBe("admin");
        var production = policy.Json.GetProperty("stages").GetProperty("production");
        production.GetProperty("requiredApprovals").GetInt32().ShouldBe(3);
        production.GetProperty("minSoak").GetString().ShouldBe("P2D");
        production.GetProperty("requiredSuites")[0].GetString().ShouldBe("core-suite");
        production.GetProperty("blockOnIncidentSeverity").GetString().ShouldBe("SEV2");
        policy.Json.GetProperty("stages").GetProperty("shadow").GetProperty("requiredApprovals").GetInt32().ShouldBe(1);
        var current = await app.Scenario(s => s.Get.Url("/api/v1/models/policy-json/policy").StatusCodeShouldBe(200));
        current.Json.GetProperty("revision").GetInt32().ShouldBe(2);
        current.Json.GetProperty("stages").GetProperty("canary").GetProperty("autoDeploy").GetBoolean().ShouldBeTrue();
        current.Json.GetProperty("stages").GetProperty("production").GetProperty("requiredApprovals").GetInt32().ShouldBe(2);
    }

    [Theory]
    [InlineData("application/yaml")]
    [InlineData("application/x-yaml")]
    [InlineData("text/yaml")]
    public async Task a_yaml_policy_reads_like_the_same_json(string contentType)
    {
        var model = "policy-yaml-" + contentType.Replace('/', '-').Replace("application-", "", StringComparison.Ordinal);
        await app.ModelWithVersionsAsync(model);
        const string yaml = """
            # Production needs two approvers from on-call or approvers, a day of canary and the core suite.
            stages:
              canary:
                requiredApprovals: 1
                autoDeploy: true
              production:
                requiredApprovals: 2
                approverRoles: [approver, oncall]
                requiredSuites:
                  - core-suite
                blockOnIncidentSeverity: SEV3
                minSoak: P1D
                allowSelfApproval: false
            """;
        var published = await app.Scenario(s => s.Put.Text(yaml, contentType).ToUrl($"/api/v1/models/{model}/policy").StatusCodeShouldBe(200));
        published.Json.GetProperty("revision").GetInt32().ShouldBe(1);
        var policy = await app.Scenario(s => s.Get.Url($"/api/v1/models/{model}/policy").StatusCodeShouldBe(200));
        var production = policy.Json.GetProperty("stages").GetProperty("production");
        production.GetProperty("approverRoles").EnumerateArray().Select(r => r.GetString()).ShouldBe(["approver", "oncall"]);
        production.GetProperty("blockOnIncidentSeverity").GetString().ShouldBe("SEV3");
        production.GetProperty("minSoak").GetString().ShouldBe("P1D");
        policy.Json.GetProperty("stages").GetProperty("canary").GetProperty("autoDeploy").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public async Task a_policy_for_a_stage_the_model_does_not_have_is_422_and_bad_values_are_400()
    {
        await app.ModelWithVersionsAsync("policy-bad");
        await app.Scenario(s => s.Put.Json(new { stages = new { staging = new { requiredApprovals = 1 } } }).ToUrl("/api/v1/models/policy-bad/policy")
            .StatusCodeShouldBe(422).ShouldBeProblem());
        await app.Scenario(s => s.Put.Json(new { stages = new { production = new { blockOnIncidentSeverity = "SEV9" } } }).ToUrl("/api/v1/models/policy-bad/policy")
            .StatusCodeShouldBe(400).ShouldBeProblem());
        await app.Scenario(s => s.Put.Json(new { stages = new { production = new { approverRoles = new[] { "king" } } } }).ToUrl("/api/v1/models/policy-bad/policy")
            .StatusCodeShouldBe(400));
        await app.Scenario(s => s.Put.Json(new { stages = new { production = new { requiredApprovals = 0 } } }).ToUrl("/api/v1/models/policy-bad/policy")
            .StatusCodeShouldBe(400));
        await app.Scenario(s => s.Put.Json(new { stages = new { production = new { requiredApproval = 2 } } }).ToUrl("/api/v1/models/policy-bad/policy")
            .StatusCodeShouldBe(400));
        await app.Scenario(s => s.Put.Text("stages: [unclosed", "application/yaml").ToUrl("/api/v1/models/policy-bad/policy").StatusCodeShouldBe(400).ShouldBeProblem());
        await app.Scenario(s => s.Put.Text("stages: {}", "text/plain").ToUrl("/api/v1/models/policy-bad/policy").StatusCodeShouldBe(415));
        await app.Scenario(s => s.Put.Json(new { stages = new { } }).ToUrl("/api/v1/models/no-such-model/policy").StatusCodeShouldBe(404));
    }

    [Fact]
    public async Task a_yaml_alias_bomb_is_refused_before_it_expands_and_nothing_is_recorded()
    {
        await app.ModelWithVersionsAsync("policy-bomb");
        // 9 levels of 9 aliases each: nine to the ninth "lol"s once expanded, in about 400 bytes.
        var bomb = new StringBuilder("a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n");
        for (var level = 'b'; level <= 'i'; level++)
        {
            var previous = (char)(level - 1);
            bomb.Append(CultureInfo.InvariantCulture, $"{level}: &{level} [{string.Join(',', Enumerable.Repeat($"*{previous}", 9))}]\n");
        }

        bomb.Append("stages: *i\n");
        bomb.Length.ShouldBeLessThan(500);
        var before = await app.EventCountAsync();

        var clock = Stopwatch.StartNew();
        var refused = await app.Scenario(s => s.Put.Text(bomb.ToString(), "application/yaml").ToUrl("/api/v1/models/policy-bomb/policy")
            .StatusCodeShouldBe(400).ShouldBeProblem());
        clock.Stop();

        clock.ElapsedMilliseconds.ShouldBeLessThan(200);
        refused.Json.GetProperty("detail").GetString()!.ShouldContain("anchors and aliases are not accepted");
        (await app.EventCountAsync()).ShouldBe(before);
        var policy = await app.Scenario(s => s.Get.Url("/api/v1/models/policy-bomb/policy").StatusCodeShouldBe(200));
        policy.Json.GetProperty("revision").GetInt32().ShouldBe(0);
    }

    [Theory]
    [InlineData("anchor", "stages: &shared {}\n", "anchors and aliases are not accepted")]
    [InlineData("merge", "base: &b {requiredApprovals: 1}\nstages:\n  canary:\n    <<: *b\n", "anchors and aliases are not accepted")]
    [InlineData("documents", "stages: {}\n---\nstages: {}\n", "one YAML document")]
    [InlineData("duplicate", "stages: {}\nstages: {}\n", "appears twice")]
    [InlineData("complex-key", "? [a, b]\n: 1\n", "keys must be plain strings")]
    public async Task yaml_a_policy_cannot_be_read_from_is_400_saying_why(string @case, string yaml, string reason)
    {
        var model = "policy-yaml-refused-" + @case;
        await app.ModelWithVersionsAsync(model);
        var refused = await app.Scenario(s => s.Put.Text(yaml, "application/yaml").ToUrl($"/api/v1/models/{model}/policy")
            .StatusCodeShouldBe(400).ShouldBeProblem());
        refused.Json.GetProperty("detail").GetString()!.ShouldContain(reason);
    }

    [Fact]
    public async Task a_yaml_document_with_nothing_in_it_is_400_naming_what_a_policy_needs_and_nothing_is_recorded()
    {
        await app.ModelWithVersionsAsync("policy-yaml-empty");
        var before = await app.EventCountAsync();

        var refused = await app.Scenario(s => s.Put.Text("# stages to follow\n", "application/yaml").ToUrl("/api/v1/models/policy-yaml-empty/policy")
            .StatusCodeShouldBe(400).ShouldBeProblem());

        refused.Json.GetProperty("detail").GetString()!.ShouldContain("stages");
        (await app.EventCountAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task yaml_nested_deeper_than_a_policy_could_need_is_400()
    {
        await app.ModelWithVersionsAsync("policy-yaml-deep");
        var deep = "stages: " + new string('[', 40) + new string(']', 40) + "\n";
        var refused = await app.Scenario(s => s.Put.Text(deep, "application/yaml").ToUrl("/api/v1/models/policy-yaml-deep/policy")
            .StatusCodeShouldBe(400).ShouldBeProblem());
        refused.Json.GetProperty("detail").GetString()!.ShouldContain("nested more than");
    }

    [Fact]
    public async Task only_an_admin_publishes_a_policy()
    {
        await app.ModelWithVersionsAsync("policy-admin");
        var approver = await app.CreatePrincipalAsync("policy-approver", GovernanceApp.Role.Approver);
        await app.Scenario(s => s.Put.Json(new { stages = new { } }).ToUrl("/api/v1/models/policy-admin/policy").As(approver).StatusCodeShouldBe(403));
    }
}
