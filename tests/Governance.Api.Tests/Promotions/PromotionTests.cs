using System.Text.Json;
using Governance.Api.Tests.Harness;
using Governance.Api.Tests.Registry;
using NodaTime;

namespace Governance.Api.Tests.Promotions;

/// <summary>Promotions over HTTP: the stage graph, gates, approvals, rejection, withdrawal and deployment, each rule as a scenario.</summary>
public sealed class PromotionTests(GovernanceApp app) : IClassFixture<GovernanceApp>
{
    private async Task<(string Alice, string Bob)> ApproversAsync(string prefix) =>
        (await app.CreatePrincipalAsync($"{prefix}-alice", GovernanceApp.Role.Approver),
         await app.CreatePrincipalAsync($"{prefix}-bob", GovernanceApp.Role.Approver));

    [Fact]
    public async Task a_promotion_targets_the_next_stage_after_registration()
    {
        await app.ModelWithVersionsAsync("graph-a", "v1");
        var result = await app.RequestAsync("graph-a", "v1", "shadow");
        result.Json.GetProperty("status").GetString().ShouldBe("pending");
        result.Json.GetProperty("requiredApprovals").GetInt32().ShouldBe(1);
        result.Json.GetProperty("fromStage").GetString().ShouldBe("offline");
        result.Header("Location").ShouldBe($"/api/v1/promotions/{result.Json.GetProperty("id").GetString()}");
        result.Json.GetProperty("gates").EnumerateArray().Select(g => g.GetProperty("name").GetString()).ShouldBe(["incidents", "soak"]);
    }

    [Fact]
    public async Task skipping_a_stage_needs_the_admin_role_and_a_reason_which_is_recorded()
    {
        await app.ModelWithVersionsAsync("graph-skip", "v1");
        var contributor = await app.CreatePrincipalAsync("skip-carol", GovernanceApp.Role.Contributor);
        await app.RequestAsync("graph-skip", "v1", "canary", contributor, expected: 403);
        await app.RequestAsync("graph-skip", "v1", "canary", expected: 422);
        var skipped = await app.RequestAsync("graph-skip", "v1", "canary", skipReason: "Shadow traffic is down this week; canary at 1 %.");
        var id = skipped.Json.GetProperty("id").GetString();
        var view = await app.Scenario(s => s.Get.Url($"/api/v1/promotions/{id}").StatusCodeShouldBe(200));
        view.Json.GetProperty("skippedStages").EnumerateArray().Select(e => e.GetString()).ShouldBe(["shadow"]);
        view.Json.GetProperty("skipReason").GetString().ShouldBe("Shadow traffic is down this week; canary at 1 %.");
    }

    [Fact]
    public async Task a_version_cannot_go_back_to_a_stage_it_has_passed_nor_to_an_unknown_one()
    {
        await app.ModelWithVersionsAsync("graph-back", "v1");
        var (alice, _) = await ApproversAsync("back");
        await app.PromoteAsync("graph-back", "v1", "shadow", alice);
        await app.RequestAsync("graph-back", "v1", "shadow", expected: 409);
        await app.RequestAsync("graph-back", "v1", "offline", expected: 422);
        await app.RequestAsync("graph-back", "v1", "staging", expected: 422);
        await app.RequestAsync("graph-back", "v9", "shadow", expected: 404);
        await app.RequestAsync("graph-nope", "v1", "shadow", expected: 404);
        (await app.RequestAsync("graph-back", "v1", "canary")).Json.GetProperty("fromStage").GetString().ShouldBe("shadow");
    }

    [Fact]
    public async Task promoting_to_the_entry_stage_is_refused_with_where_the_version_can_go()
    {
        await app.RegisterModelAsync("graph-entry", stages: ["dev", "staging", "production"]);
        await app.RegisterVersionAsync("graph-entry", "v1");
        var refused = await app.RequestAsync("graph-entry", "v1", "dev", expected: 422);
        refused.ContentType.ShouldBe("application/problem+json");
        var detail = refused.Json.GetProperty("detail").GetString()!;
        detail.ShouldBe("'dev' is the entry stage of graph-entry: every registered version starts there, so it is never a promotion target; promote to 'staging'.");
        detail.ShouldNotContain("already runs");
        refused.Json.GetProperty("errors").GetProperty("targetStage")[0].GetString().ShouldBe(detail);
        (await app.RequestAsync("graph-entry", "v1", "staging")).Json.GetProperty("fromStage").GetString().ShouldBe("dev");
    }

    [Fact]
    public async Task a_second_open_promotion_of_the_same_version_to_the_same_stage_is_a_conflict()
    {
        await app.ModelWithVersionsAsync("graph-twice", "v1");
        await app.RequestPendingAsync("graph-twice", "v1", "shadow");
        await app.RequestAsync("graph-twice", "v1", "shadow", expected: 409);
    }

    [Fact]
    public async Task approving_your_own_promotion_is_forbidden()
    {
        await app.ModelWithVersionsAsync("self-a", "v1");
        var carol = await app.CreatePrincipalAsync("self-carol", GovernanceApp.Role.Approver);
        var id = await app.RequestPendingAsync("self-a", "v1", "shadow", carol);
        (await app.ApproveAsync(id, carol, 403)).Json.GetProperty("detail").GetString()!.ShouldContain("separation of duties");
    }

    [Fact]
    public async Task the_registrant_of_the_version_cannot_approve_it_unless_the_policy_allows_self_approval()
    {
        await app.ModelWithVersionsAsync("self-reg", "v1", "v2");
        var carol = await app.CreatePrincipalAsync("selfreg-carol", GovernanceApp.Role.Approver);
        var id = await app.RequestPendingAsync("self-reg", "v1", "shadow", carol);
        await app.ApproveAsync(id, GovernanceApp.AdminKey, 403); // admin registered v1

        await app.PublishPolicyAsync("self-reg", new { shadow = new { allowSelfApproval = true } });
        var own = await app.RequestPendingAsync("self-reg", "v2", "shadow", carol);
        (await app.ApproveAsync(own, carol)).Json.GetProperty("status").GetString().ShouldBe("approved");
    }

    [Fact]
    public async Task approving_without_a_role_the_policy_names_is_forbidden()
    {
        await app.ModelWithVersionsAsync("role-a", "v1");
        var dave = await app.CreatePrincipalAsync("role-dave", GovernanceApp.Role.Contributor);
        var oncall = await app.CreatePrincipalAsync("role-erin", GovernanceApp.Role.OnCall);
        var id = await app.RequestPendingAsync("role-a", "v1", "shadow");
        await app.ApproveAsync(id, dave, 403);
        await app.ApproveAsync(id, oncall, 403);

        await app.PublishPolicyAsync("role-a", new { shadow = new { approverRoles = new[] { "oncall" } } });
        await app.ModelWithVersionsAsync("role-b", "v1");
        await app.PublishPolicyAsync("role-b", new { shadow = new { approverRoles = new[] { "oncall" } } });
        var byOncall = await app.RequestPendingAsync("role-b", "v1", "shadow");
        await app.ApproveAsync(byOncall, oncall);
    }

    [Fact]
    public async Task a_second_approval_by_the_same_person_is_a_conflict()
    {
        await app.ModelWithVersionsAsync("twice-a", "v1");
        await app.PublishPolicyAsync("twice-a", new { shadow = new { requiredApprovals = 2 } });
        var (alice, bob) = await ApproversAsync("twice");
        var id = await app.RequestPendingAsync("twice-a", "v1", "shadow");
        var first = await app.ApproveAsync(id, alice);
        first.Json.GetProperty("status").GetString().ShouldBe("pending");
        await app.ApproveAsync(id, alice, 409);
        (await app.ApproveAsync(id, bob)).Json.GetProperty("status").GetString().ShouldBe("approved");
        await app.ApproveAsync(id, await app.CreatePrincipalAsync("twice-frank", GovernanceApp.Role.Approver), 409); // no longer pending
    }

    [Fact]
    public async Task approving_a_rejected_promotion_is_a_conflict()
    {
        await app.ModelWithVersionsAsync("reject-a", "v1");
        var (alice, bob) = await ApproversAsync("reject");
        var id = await app.RequestPendingAsync("reject-a", "v1", "shadow");
        var rejected = await app.Scenario(s => s.Post.Json(new { reason = "Recall drops on new users" }).ToUrl($"/api/v1/promotions/{id}/rejections").As(bob).StatusCodeShouldBe(200));
        rejected.Json.GetProperty("status").GetString().ShouldBe("rejected");
        await app.ApproveAsync(id, alice, 409);
        await app.DeployAsync(id, 409);
        await app.Scenario(s => s.Post.Json(new { reason = "again" }).ToUrl($"/api/v1/promotions/{id}/rejections").As(bob).StatusCodeShouldBe(409));
        var viewer = await app.CreatePrincipalAsync("reject-vic", GovernanceApp.Role.Viewer);
        var other = await app.RequestPendingAsync("reject-a", "v1", "shadow");
        await app.Scenario(s => s.Post.Json(new { reason = "no" }).ToUrl($"/api/v1/promotions/{other}/rejections").As(viewer).StatusCodeShouldBe(403));
    }

    [Fact]
    public async Task only_the_requester_withdraws_and_a_withdrawn_promotion_takes_no_approvals()
    {
        await app.ModelWithVersionsAsync("withdraw-a", "v1");
        var (alice, _) = await ApproversAsync("withdraw");
        var carol = await app.CreatePrincipalAsync("withdraw-carol", GovernanceApp.Role.Contributor);
        var id = await app.RequestPendingAsync("withdraw-a", "v1", "shadow", carol);
        await app.Scenario(s => s.Post.Json(new { reason = "not yours" }).ToUrl($"/api/v1/promotions/{id}/withdrawal").As(alice).StatusCodeShouldBe(403));
        var withdrawn = await app.Scenario(s => s.Post.Json(new { reason = "Found a leak in the features" }).ToUrl($"/api/v1/promotions/{id}/withdrawal").As(carol).StatusCodeShouldBe(200));
        withdrawn.Json.GetProperty("status").GetString().ShouldBe("withdrawn");
        await app.ApproveAsync(id, alice, 409);
        await app.Scenario(s => s.Post.Json(new { reason = "again" }).ToUrl($"/api/v1/promotions/{id}/withdrawal").As(carol).StatusCodeShouldBe(409));
    }

    [Fact]
    public async Task a_promotion_is_deployed_only_once_approved_and_records_who_approved_and_the_fallback()
    {
        await app.ModelWithVersionsAsync("deploy-a", "v1", "v2");
        var (alice, _) = await ApproversAsync("deploy");
        var first = await app.RequestPendingAsync("deploy-a", "v1", "shadow");
        await app.DeployAsync(first, 409);
        await app.ApproveAsync(first, alice);
        var deployed = await app.DeployAsync(first);
        deployed.Json.GetProperty("status").GetString().ShouldBe("deployed");
        await app.DeployAsync(first, 409);
        await app.PromoteAsync("deploy-a", "v2", "shadow", alice);

        var model = await app.Scenario(s => s.Get.Url("/api/v1/models/deploy-a").StatusCodeShouldBe(200));
        var shadow = model.Json.GetProperty("deployments").EnumerateArray().Single(d => d.GetProperty("stage").GetString() == "shadow");
        shadow.GetProperty("version").GetString().ShouldBe("v2");
        shadow.GetProperty("fallback").GetString().ShouldBe("v1");
        shadow.GetProperty("approvedBy").EnumerateArray().Select(a => a.GetString()).ShouldBe(["deploy-alice"]);

        var events = await app.Scenario(s => s.Get.Url("/api/v1/streams/deployment-deploy-a-shadow/events").StatusCodeShouldBe(200));
        events.Body.ShouldContain("version_deployed");
    }

    [Fact]
    public async Task a_gate_that_fails_at_deployment_is_422_with_the_failing_gates_and_is_recorded()
    {
        await app.ModelWithVersionsAsync("gate-deploy", "v1");
        var (alice, _) = await ApproversAsync("gatedeploy");
        var id = await app.RequestPendingAsync("gate-deploy", "v1", "shadow");
        await app.ApproveAsync(id, alice);
        await app.ExecuteSqlAsync("INSERT INTO governance.incidents (id, model, severity, status, opened_at) VALUES ('inc-1', 'gate-deploy', 'SEV1', 'opened', now())");
        var refused = await app.Scenario(s => s.Post.Json(new { }).ToUrl($"/api/v1/promotions/{id}/deployment").StatusCodeShouldBe(422).ShouldBeProblem());
        refused.Json.GetProperty("gates")[0].GetProperty("name").GetString().ShouldBe("incidents");
        refused.Json.GetProperty("errors").TryGetProperty("incidents", out _).ShouldBeTrue();
        var view = await app.Scenario(s => s.Get.Url($"/api/v1/promotions/{id}").StatusCodeShouldBe(200));
        view.Json.GetProperty("status").GetString().ShouldBe("approved");
        view.Json.GetProperty("timeline").EnumerateArray().Select(t => t.GetProperty("type").GetString()).ShouldBe(
            ["promotion_requested", "promotion_gates_evaluated", "promotion_approved", "promotion_gates_evaluated"]);

        await app.ExecuteSqlAsync("UPDATE governance.incidents SET status = 'resolved' WHERE id = 'inc-1'");
        await app.DeployAsync(id);
    }

    [Fact]
    public async Task an_open_incident_at_or_above_the_policy_severity_blocks_the_request_and_a_blocked_promotion_takes_no_approvals()
    {
        await app.ModelWithVersionsAsync("gate-incident", "v1");
        var (alice, _) = await ApproversAsync("gateinc");
        await app.ExecuteSqlAsync("INSERT INTO governance.incidents (id, model, severity, status, opened_at) VALUES ('inc-3', 'gate-incident', 'SEV3', 'opened', now())");
        (await app.RequestPendingAsync("gate-incident", "v1", "shadow")).ShouldNotBeNull(); // SEV3 is below the default SEV2

        await app.ModelWithVersionsAsync("gate-incident2", "v1");
        await app.ExecuteSqlAsync("INSERT INTO governance.incidents (id, model, severity, status, opened_at) VALUES ('inc-4', 'gate-incident2', 'SEV2', 'acknowledged', now())");
        var blocked = await app.RequestAsync("gate-incident2", "v1", "shadow");
        blocked.Json.GetProperty("status").GetString().ShouldBe("blocked");
        var gate = blocked.Json.GetProperty("gates").EnumerateArray().Single(g => g.GetProperty("name").GetString() == "incidents");
        gate.GetProperty("passed").GetBoolean().ShouldBeFalse();
        gate.GetProperty("detail").GetString()!.ShouldContain("inc-4");
        await app.ApproveAsync(blocked.Json.GetProperty("id").GetString()!, alice, 409);
    }

    [Fact]
    public async Task required_suites_must_be_passed_by_this_exact_version()
    {
        await app.ModelWithVersionsAsync("gate-suite", "v1", "v2");
        await app.RegisterDatasetAsync("gate-suite-eval", "d1");
        await DefineSuiteAsync("gate-suite-core", maxRegression: null);
        await app.PublishPolicyAsync("gate-suite", new { shadow = new { requiredSuites = new[] { "gate-suite-core" } } });

        var missing = await app.RequestAsync("gate-suite", "v1", "shadow");
        missing.Json.GetProperty("status").GetString().ShouldBe("blocked");
        Gate(missing, "suite:gate-suite-core").GetProperty("passed").GetBoolean().ShouldBeFalse();

        await EvaluateAsync("gate-suite", "v2", "gate-suite-core", 0.95); // another version's evaluation does not count
        var failing = await EvaluateAsync("gate-suite", "v1", "gate-suite-core", 0.70);
        (await app.RequestAsync("gate-suite", "v1", "shadow")).Json.GetProperty("status").GetString().ShouldBe("blocked");

        var passing = await EvaluateAsync("gate-suite", "v1", "gate-suite-core", 0.91);
        var ok = await app.RequestAsync("gate-suite", "v1", "shadow", evidence: [passing, failing]);
        ok.Json.GetProperty("status").GetString().ShouldBe("pending");
        Gate(ok, "suite:gate-suite-core").GetProperty("detail").GetString()!.ShouldContain(passing);

        var foreign = await EvaluateAsync("gate-suite", "v2", "gate-suite-core", 0.93);
        await app.RequestAsync("gate-suite", "v2", "shadow", evidence: [foreign, passing], expected: 422);
    }

    [Fact]
    public async Task a_metric_must_not_regress_beyond_the_suite_limit_against_the_version_in_the_target_stage()
    {
        await app.ModelWithVersionsAsync("gate-regress", "v1", "v2", "v3");
        var (alice, _) = await ApproversAsync("regress");
        await app.RegisterDatasetAsync("gate-suite-eval", "d2");
        await DefineSuiteAsync("gate-regress-core", maxRegression: 0.02);
        await app.PublishPolicyAsync("gate-regress", new { shadow = new { requiredSuites = new[] { "gate-regress-core" } } });
        await EvaluateAsync("gate-regress", "v1", "gate-regress-core", 0.90, "gate-suite-eval@d2");
        await app.PromoteAsync("gate-regress", "v1", "shadow", alice);

        await EvaluateAsync("gate-regress", "v2", "gate-regress-core", 0.86, "gate-suite-eval@d2");
        var blocked = await app.RequestAsync("gate-regress", "v2", "shadow");
        blocked.Json.GetProperty("status").GetString().ShouldBe("blocked");
        var gate = Gate(blocked, "regression:gate-regress-core");
        gate.GetProperty("passed").GetBoolean().ShouldBeFalse();
        gate.GetProperty("detail").GetString()!.ShouldContain("v1");

        await EvaluateAsync("gate-regress", "v3", "gate-regress-core", 0.88, "gate-suite-eval@d2"); // exactly at the limit
        (await app.RequestAsync("gate-regress", "v3", "shadow")).Json.GetProperty("status").GetString().ShouldBe("pending");
    }

    [Fact]
    public async Task a_version_must_soak_in_the_previous_stage_for_the_policy_time()
    {
        await app.ModelWithVersionsAsync("gate-soak", "v1");
        var (alice, _) = await ApproversAsync("soak");
        await app.PublishPolicyAsync("gate-soak", new { canary = new { minSoak = "PT2H" } });
        await app.PromoteAsync("gate-soak", "v1", "shadow", alice);
        app.Clock.Advance(Duration.FromHours(1));
        var early = await app.RequestAsync("gate-soak", "v1", "canary");
        early.Json.GetProperty("status").GetString().ShouldBe("blocked");
        Gate(early, "soak").GetProperty("detail").GetString()!.ShouldContain("PT1H");

        app.Clock.Advance(Duration.FromHours(1));
        var id = await app.RequestPendingAsync("gate-soak", "v1", "canary");
        await app.ApproveAsync(id, alice);
        await app.DeployAsync(id);
    }

    [Fact]
    public async Task an_auto_deploying_stage_deploys_on_the_final_approval()
    {
        await app.ModelWithVersionsAsync("auto-a", "v1");
        var (alice, bob) = await ApproversAsync("auto");
        await app.PublishPolicyAsync("auto-a", new { shadow = new { requiredApprovals = 2, autoDeploy = true } });
        var id = await app.RequestPendingAsync("auto-a", "v1", "shadow");
        (await app.ApproveAsync(id, alice)).Json.GetProperty("status").GetString().ShouldBe("pending");
        (await app.ApproveAsync(id, bob)).Json.GetProperty("status").GetString().ShouldBe("deployed");
        var deployments = await app.Scenario(s => s.Get.Url("/api/v1/models/auto-a/deployments").StatusCodeShouldBe(200));
        var shadow = deployments.Json.GetProperty("stages").EnumerateArray().Single(d => d.GetProperty("stage").GetString() == "shadow");
        shadow.GetProperty("version").GetString().ShouldBe("v1");
        shadow.GetProperty("promotionId").GetString().ShouldBe(id);
        shadow.GetProperty("approvedBy").EnumerateArray().Select(a => a.GetString()).ShouldBe(["auto-alice", "auto-bob"]);
    }

    [Fact]
    public async Task the_inbox_lists_pending_promotions_the_caller_may_approve_and_has_not()
    {
        await app.ModelWithVersionsAsync("inbox-a", "v1", "v2");
        await app.PublishPolicyAsync("inbox-a", new { shadow = new { requiredApprovals = 2 } });
        var (alice, bob) = await ApproversAsync("inbox");
        var carol = await app.CreatePrincipalAsync("inbox-carol", GovernanceApp.Role.Approver);
        var mine = await app.RequestPendingAsync("inbox-a", "v1", "shadow", carol);
        var other = await app.RequestPendingAsync("inbox-a", "v2", "shadow");

        (await InboxAsync(alice)).ShouldBe([other, mine], ignoreOrder: true);
        (await InboxAsync(carol)).ShouldBe([other]);
        await app.ApproveAsync(mine, alice, comment: "Checked the slices");
        (await InboxAsync(alice)).ShouldBe([other]);
        (await InboxAsync(bob)).ShouldBe([other, mine], ignoreOrder: true);

        var byStatus = await app.Scenario(s => s.Get.Url("/api/v1/promotions?model=inbox-a&status=pending").StatusCodeShouldBe(200));
        byStatus.Json.GetArrayLength().ShouldBe(2);
        await app.Scenario(s => s.Get.Url("/api/v1/promotions?status=sleeping").StatusCodeShouldBe(400));

        var view = await app.Scenario(s => s.Get.Url($"/api/v1/promotions/{mine}").StatusCodeShouldBe(200));
        var approval = view.Json.GetProperty("approvals")[0];
        approval.GetProperty("by").GetString().ShouldBe("inbox-alice");
        approval.GetProperty("comment").GetString().ShouldBe("Checked the slices");
        approval.GetProperty("at").GetString().ShouldNotBeNull();
        view.Json.GetProperty("policyRevision").GetInt32().ShouldBe(1);
        view.Json.GetProperty("requestedBy").GetString().ShouldBe("inbox-carol");
        view.Json.GetProperty("timeline").GetArrayLength().ShouldBe(3);
        await app.Scenario(s => s.Get.Url("/api/v1/promotions/nope").StatusCodeShouldBe(404));
    }

    private async Task<string[]> InboxAsync(string key)
    {
        var result = await app.Scenario(s => s.Get.Url("/api/v1/promotions?awaitingMe=true&model=inbox-a").As(key).StatusCodeShouldBe(200));
        return [.. result.Json.EnumerateArray().Select(p => p.GetProperty("id").GetString()!)];
    }

    private static JsonElement Gate(IScenarioResult result, string name) =>
        result.Json.GetProperty("gates").EnumerateArray().Single(g => g.GetProperty("name").GetString() == name);

    private Task<IScenarioResult> DefineSuiteAsync(string name, double? maxRegression) =>
        app.Scenario(s => s.Post.Json(new
        {
            name, description = "Core checks", metrics = new[] { new { name = "auc", threshold = 0.8, direction = "higher", maxRegression } },
            slices = Array.Empty<object>(),
        }).ToUrl("/api/v1/evaluation-suites").StatusCodeShouldBe(201));

    private async Task<string> EvaluateAsync(string model, string version, string suite, double auc, string dataset = "gate-suite-eval@d1")
    {
        var result = await app.Scenario(s => s.Post.Json(new
        {
            model, version, suite, stage = "offline", datasets = new[] { dataset }, metrics = new Dictionary<string, double> { ["auc"] = auc },
        }).ToUrl("/api/v1/evaluations").StatusCodeShouldBe(201));
        return result.Json.GetProperty("id").GetString()!;
    }
}
