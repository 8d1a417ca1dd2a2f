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
    public async Task only_an_admin_publishes_a_policy()
    {
        await app.ModelWithVersionsAsync("policy-admin");
        var approver = await app.CreatePrincipalAsync("policy-approver", GovernanceApp.Role.Approver);
        await app.Scenario(s => s.Put.Json(new { stages = new { } }).ToUrl("/api/v1/models/policy-admin/policy").As(approver).StatusCodeShouldBe(403));
    }
}
