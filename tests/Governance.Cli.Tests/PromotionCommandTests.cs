using System.Text.RegularExpressions;
using Governance.Api.Tests.Harness;
using Governance.Cli.Core;
using Governance.Cli.Tests.Harness;

namespace Governance.Cli.Tests;

/// <summary>gov promote (with and without --wait), approve, reject, deploy and rollback: outputs and every exit code they can give.</summary>
public sealed partial class PromotionCommandTests(GovernanceApp app) : IClassFixture<GovernanceApp>
{
    private static string[] Promote(string model, string version = "1.0.0", params string[] more) =>
        ["promote", model, version, "--to", "shadow", "--justification", "AUC +0.02 on the core suite", .. more];

    private static string IdIn(string output) => RequestedLine().Match(output) is { Success: true } m ? m.Groups[1].Value : throw new ShouldAssertException(output);

    [GeneratedRegex("Requested promotion ([0-9a-f]+):")]
    private static partial Regex RequestedLine();

    /// <summary>A version whose required suite has a failing evaluation, so a promotion to shadow is blocked.</summary>
    private async Task FailingSuiteAsync(string model, string suite, double auc)
    {
        await app.ModelWithVersionAsync(model);
        await app.DefineSuiteAsync(suite);
        await app.PublishPolicyAsync(model, new { shadow = new { requiredApprovals = 1, requiredSuites = new[] { suite } } });
        var folder = GovRunner.NewFolder();
        var value = auc.ToString(System.Globalization.CultureInfo.InvariantCulture);
        GovRunner.WriteFile(folder, "m.json", "{\"metrics\": {\"auc\": " + value + ", \"latency_ms\": 10}, \"slices\": {\"new-customers\": {\"auc\": 0.9}}}");
        await app.GovWith(new Dictionary<string, string?> { ["GOV_URL"] = GovRunner.Url, ["GOV_TOKEN"] = GovernanceApp.AdminKey }, folder,
            "evaluate", model, "1.0.0", "--suite", suite, "--stage", "offline", "--dataset", $"txns-{model}@2026-11-01", "--metrics", "m.json");
    }

    [Fact]
    public async Task a_request_prints_its_id_and_gates_and_exits_0_while_it_waits_for_approvals()
    {
        await app.ModelWithVersionAsync("pr-req");
        var run = (await app.Gov(Promote("pr-req"))).ShouldExit(ExitCodes.Done);
        var id = IdIn(run.Out);
        var lines = run.Out.TrimEnd().Split(Environment.NewLine);
        lines[0].ShouldBe($"Requested promotion {id}: pr-req@1.0.0 offline → shadow (policy revision 0).");
        lines[1].ShouldMatch(@"^GATE\s+RESULT\s+DETAIL$");
        lines.ShouldContain(l => Regex.IsMatch(l, @"^incidents\s+pass\s+"));
        lines.ShouldContain(l => Regex.IsMatch(l, @"^soak\s+pass\s+"));
        lines[^1].ShouldBe($"Pending: needs 1 approval; approve with 'gov approve {id}'.");
    }

    [Fact]
    public async Task a_gate_that_blocks_the_request_exits_3_and_names_the_gate()
    {
        await FailingSuiteAsync("pr-blocked", "pr-blocked-core", auc: 0.5);
        var run = (await app.Gov(Promote("pr-blocked", more: ["--wait"]))).ShouldExit(ExitCodes.Refused);
        run.Out.ShouldMatch(@"suite:pr-blocked-core\s+FAIL\s+");
        run.Out.ShouldContain("Blocked by a gate (suite:pr-blocked-core: ");
        run.Out.ShouldNotContain("Waiting up to");
    }

    [Fact]
    public async Task waiting_follows_approval_and_deployment_printing_each_change_once_and_exits_0()
    {
        await app.ModelWithVersionAsync("pr-wait");
        var ana = await app.CreatePrincipalAsync("wait-ana", GovernanceApp.Role.Approver);
        var wait = new LiveGov(app, GovernanceApp.AdminKey, Promote("pr-wait", more: ["--wait", "--timeout", "1m"]));
        await wait.SeenAsync("pending: approvals 0 of 1; approvers need one of the roles approver");
        var id = IdIn(wait.Out);

        (await app.GovAs(ana, "approve", id, "--comment", "Slices look fine")).ShouldExit(ExitCodes.Done)
            .Out.ShouldBe($"Approved promotion {id}: 1 of 1 approvals (wait-ana); approved; deploy it with 'gov deploy {id}'.{Environment.NewLine}");
        await wait.SeenAsync($"approved by wait-ana; waiting for deployment (run gov deploy {id})");
        (await app.Gov("deploy", id)).ShouldExit(ExitCodes.Done)
            .Out.ShouldBe($"Deployed pr-wait@1.0.0 to shadow (promotion {id}, approved by wait-ana).{Environment.NewLine}");

        var run = (await wait.Completion).ShouldExit(ExitCodes.Done);
        run.Out.ShouldContain($"Waiting up to 1m for promotion {id}…");
        run.Out.ShouldContain("deployed pr-wait@1.0.0 to shadow (approved by wait-ana); deployed by admin at 2026-11-23T09:00:00Z");
        Regex.Count(run.Out, "pending: approvals 0 of 1").ShouldBe(1, run.Out);
        Regex.Count(run.Out, "waiting for deployment").ShouldBe(1, run.Out);

        var deployments = (await app.Gov("deployments", "pr-wait")).ShouldExit(ExitCodes.Done);
        deployments.Out.ShouldMatch($@"shadow\s+1\.0\.0\s+2026-11-23T09:00:00Z\s+wait-ana\s+-\s+{id}");
    }

    [Fact]
    public async Task a_rejection_while_waiting_exits_3_with_who_and_why()
    {
        await app.ModelWithVersionAsync("pr-rej");
        var bob = await app.CreatePrincipalAsync("rej-bob", GovernanceApp.Role.Approver);
        var wait = new LiveGov(app, GovernanceApp.AdminKey, Promote("pr-rej", more: ["--wait"]));
        await wait.SeenAsync("pending: approvals 0 of 1");
        var id = IdIn(wait.Out);

        (await app.GovAs(bob, "reject", id, "--reason", "Recall on new customers dropped")).ShouldExit(ExitCodes.Done)
            .Out.ShouldBe($"Rejected promotion {id}: Recall on new customers dropped{Environment.NewLine}");
        var run = (await wait.Completion).ShouldExit(ExitCodes.Refused);
        run.Out.ShouldContain("rejected by rej-bob: Recall on new customers dropped");
    }

    [Fact]
    public async Task waiting_past_the_timeout_exits_8_saying_what_it_still_waits_for()
    {
        await app.ModelWithVersionAsync("pr-timeout");
        var run = (await app.Gov(Promote("pr-timeout", more: ["--wait", "--timeout", "1s"]))).ShouldExit(ExitCodes.StillPending);
        var id = IdIn(run.Out);
        run.Out.ShouldContain($"Waiting up to 1s for promotion {id}…");
        run.Err.ShouldBe($"Timed out after 1s; promotion {id} is still open: pending: approvals 0 of 1; approvers need one of the roles approver.{Environment.NewLine}");
    }

    [Fact]
    public async Task with_json_output_a_timeout_still_prints_the_promotion_as_json_and_exits_8()
    {
        await app.ModelWithVersionAsync("pr-json");
        var run = (await app.Gov(Promote("pr-json", more: ["--wait", "--timeout", "PT0S", "--output", "json"]))).ShouldExit(ExitCodes.StillPending);
        run.Json.GetProperty("status").GetString().ShouldBe("pending");
        run.Json.GetProperty("model").GetString().ShouldBe("pr-json");
        run.Err.ShouldContain("pending: approvals 0 of 1");
    }

    [Fact]
    public async Task approving_your_own_request_is_not_allowed_and_exits_4()
    {
        await app.ModelWithVersionAsync("pr-self");
        var id = IdIn((await app.Gov(Promote("pr-self"))).Out);
        var run = (await app.Gov("approve", id)).ShouldExit(ExitCodes.NotAllowed);
        run.Err.ShouldBe("Forbidden: You requested this promotion; someone else must approve it (separation of duties)." + Environment.NewLine);
    }

    [Fact]
    public async Task a_viewer_cannot_request_a_promotion_and_exits_4()
    {
        await app.ModelWithVersionAsync("pr-viewer");
        var viewer = await app.CreatePrincipalAsync("pr-vera", GovernanceApp.Role.Viewer);
        (await app.GovAs(viewer, Promote("pr-viewer"))).ShouldExit(ExitCodes.NotAllowed).Err.ShouldStartWith("Forbidden: This needs a role you do not have");
    }

    [Fact]
    public async Task approving_a_promotion_that_is_no_longer_pending_is_refused_and_exits_3()
    {
        await app.ModelWithVersionAsync("pr-late");
        var ana = await app.CreatePrincipalAsync("late-ana", GovernanceApp.Role.Approver);
        var bob = await app.CreatePrincipalAsync("late-bob", GovernanceApp.Role.Approver);
        var id = IdIn((await app.Gov(Promote("pr-late"))).Out);
        (await app.GovAs(ana, "reject", id, "--reason", "Not this week")).ShouldExit(ExitCodes.Done);

        var run = (await app.GovAs(bob, "approve", id)).ShouldExit(ExitCodes.Refused);
        run.Err.ShouldBe($"Conflict: Promotion '{id}' is rejected; only pending promotions take approvals.{Environment.NewLine}");
        (await app.Gov("deploy", id)).ShouldExit(ExitCodes.Refused);
    }

    [Fact]
    public async Task a_gate_that_fails_at_deployment_exits_3_and_names_the_gate()
    {
        await FailingSuiteAsync("pr-gate", "pr-gate-core", auc: 0.95);
        var ana = await app.CreatePrincipalAsync("gate-ana", GovernanceApp.Role.Approver);
        var id = IdIn((await app.Gov(Promote("pr-gate"))).ShouldExit(ExitCodes.Done).Out);
        (await app.GovAs(ana, "approve", id)).ShouldExit(ExitCodes.Done);

        // A newer evaluation of the same version fails: the gate checked again at deployment now blocks.
        var folder = GovRunner.NewFolder();
        GovRunner.WriteFile(folder, "m.json", """{"auc": 0.5, "latency_ms": 10}""");
        (await app.GovWith(new Dictionary<string, string?> { ["GOV_URL"] = GovRunner.Url, ["GOV_TOKEN"] = GovernanceApp.AdminKey }, folder,
            "evaluate", "pr-gate", "1.0.0", "--suite", "pr-gate-core", "--stage", "offline", "--dataset", "txns-pr-gate@2026-11-01", "--metrics", "m.json"))
            .ShouldExit(ExitCodes.Refused);

        var run = (await app.Gov("deploy", id)).ShouldExit(ExitCodes.Refused);
        run.Err.ShouldStartWith($"Gate failed: Promotion '{id}' cannot be deployed: suite:pr-gate-core: ");
        run.Out.ShouldBeEmpty();
    }

    [Fact]
    public async Task the_final_approval_deploys_when_the_policy_says_so()
    {
        await app.ModelWithVersionAsync("pr-auto");
        await app.PublishPolicyAsync("pr-auto", new { shadow = new { requiredApprovals = 1, autoDeploy = true } });
        var ana = await app.CreatePrincipalAsync("auto-ana", GovernanceApp.Role.Approver);
        var wait = new LiveGov(app, GovernanceApp.AdminKey, Promote("pr-auto", more: ["--wait"]));
        await wait.SeenAsync("pending: approvals 0 of 1");
        var id = IdIn(wait.Out);

        (await app.GovAs(ana, "approve", id)).ShouldExit(ExitCodes.Done)
            .Out.ShouldBe($"Approved promotion {id}: 1 of 1 approvals (auto-ana); deployed (the policy deploys on the final approval).{Environment.NewLine}");
        (await wait.Completion).ShouldExit(ExitCodes.Done).Out.ShouldContain("deployed pr-auto@1.0.0 to shadow (approved by auto-ana); deployed by auto-ana");
    }

    [Fact]
    public async Task rollback_returns_to_the_version_before_and_exits_3_when_there_is_nothing_to_return_to()
    {
        await app.ModelWithVersionAsync("pr-back");
        await app.VersionAsync("pr-back", "1.1.0");
        await app.PublishPolicyAsync("pr-back", new { shadow = new { requiredApprovals = 1, autoDeploy = true } });
        var ana = await app.CreatePrincipalAsync("back-ana", GovernanceApp.Role.Approver);
        foreach (var version in new[] { "1.0.0", "1.1.0" })
        {
            var id = IdIn((await app.Gov(Promote("pr-back", version))).ShouldExit(ExitCodes.Done).Out);
            (await app.GovAs(ana, "approve", id)).ShouldExit(ExitCodes.Done);
        }

        var run = (await app.Gov("rollback", "pr-back", "shadow", "--reason", "Precision dropped in shadow")).ShouldExit(ExitCodes.Done);
        run.Out.ShouldStartWith("Rolled back pr-back in shadow: 1.1.0 → 1.0.0; fallback now ");

        (await app.Gov("rollback", "pr-back", "production", "--reason", "Nothing runs there")).ShouldExit(ExitCodes.Refused)
            .Err.ShouldBe($"Conflict: Nothing runs in 'production' of model 'pr-back', so there is nothing to roll back.{Environment.NewLine}");
    }

    [Fact]
    public async Task a_service_out_of_reach_for_a_moment_does_not_end_the_wait()
    {
        await app.ModelWithVersionAsync("pr-flaky");
        await app.PublishPolicyAsync("pr-flaky", new { shadow = new { requiredApprovals = 1, autoDeploy = true } });
        var ana = await app.CreatePrincipalAsync("flaky-ana", GovernanceApp.Role.Approver);
        var id = IdIn((await app.Gov(Promote("pr-flaky"))).Out);
        (await app.GovAs(ana, "approve", id)).ShouldExit(ExitCodes.Done);

        var (code, output) = await WaitThroughAsync(new Unreachable(app.Server.CreateHandler(), failures: 3), id, TimeSpan.FromSeconds(20));
        code.ShouldBe(ExitCodes.Done, output);
        Regex.Count(output, "cannot reach http://localhost: is the service running\\?").ShouldBe(1, output);
        output.ShouldContain("deployed pr-flaky@1.0.0 to shadow (approved by flaky-ana)");
    }

    [Fact]
    public async Task a_wait_on_a_service_that_never_comes_back_gives_up_at_the_timeout_with_exit_1()
    {
        var failure = await Should.ThrowAsync<CliException>(
            () => WaitThroughAsync(new Unreachable(app.Server.CreateHandler(), failures: int.MaxValue), "any", TimeSpan.FromMilliseconds(300)));
        failure.ExitCode.ShouldBe(ExitCodes.Error);
        failure.Message.ShouldStartWith("Gave up after 300ms: cannot reach http://localhost: is the service running?");
    }

    private static async Task<(int Code, string Output)> WaitThroughAsync(HttpMessageHandler handler, string id, TimeSpan timeout)
    {
        using var output = new StringWriter();
        var context = new CliContext(output, output, new Dictionary<string, string?>())
        {
            WorkingDirectory = GovRunner.NewFolder(),
            PollInterval = TimeSpan.FromMilliseconds(20),
        };
        using var api = new ApiClient(Connection.Resolve(GovRunner.Url, GovernanceApp.AdminKey, context), handler);
        var code = await Governance.Cli.Promotions.Promote.WaitAsync(new Session(context, api, json: false), id, timeout, CancellationToken.None);
        return (code, output.ToString());
    }

    /// <summary>The network between gov and the service, down for the first <c>failures</c> requests.</summary>
    private sealed class Unreachable(HttpMessageHandler inner, int failures) : DelegatingHandler(inner)
    {
        private int left = failures;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Interlocked.Decrement(ref left) >= 0
                ? throw new HttpRequestException("Connection refused")
                : base.SendAsync(request, cancellationToken);
    }
}
