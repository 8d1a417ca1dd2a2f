using Governance.Api.Core.Auth;
using Governance.Api.Deployments;
using Governance.Api.Evaluations;
using Governance.Api.Models;
using Governance.Api.Promotions;
using Governance.EventLog;
using NodaTime;

namespace Governance.Api.Tests.Promotions;

/// <summary>The pure deciders: stage graph, gates, approvals, deployment and rollback, table-driven.</summary>
public sealed class PromotionDeciderTests
{
    private static readonly IReadOnlyList<string> Stages = ["offline", "shadow", "canary", "production"];
    private static readonly Instant Now = Instant.FromUtc(2026, 11, 23, 9, 0);

    private static Actor As(string name, params string[] roles) => new(name, Roles.Expand(roles));

    [Theory]
    [InlineData(0, "shadow", false, null, 0, "offline", "")]
    [InlineData(1, "canary", false, null, 0, "shadow", "")]
    [InlineData(2, "production", false, null, 0, "canary", "")]
    [InlineData(0, "canary", false, "reason", 403, null, null)]
    [InlineData(0, "canary", true, null, 422, null, null)]
    [InlineData(0, "canary", true, "  ", 422, null, null)]
    [InlineData(0, "production", true, "hotfix", 0, "offline", "shadow,canary")]
    [InlineData(1, "shadow", true, "again", 409, null, null)]
    [InlineData(2, "shadow", false, null, 409, null, null)]
    [InlineData(3, "production", true, "x", 409, null, null)]
    [InlineData(0, "offline", false, null, 422, null, null)]
    [InlineData(2, "offline", true, "x", 422, null, null)]
    [InlineData(0, "staging", true, "x", 422, null, null)]
    public void the_stage_graph_allows_the_next_stage_and_skips_only_for_admins_with_a_reason(
        int furthest, string target, bool admin, string? reason, int status, string? from, string? skipped)
    {
        var (move, error) = StageGraph.Resolve("fraud-detector", Stages, furthest, target, admin, reason);
        if (status == 0)
        {
            error.ShouldBeNull();
            move!.From.ShouldBe(from);
            string.Join(',', move.Skipped).ShouldBe(skipped);
        }
        else
        {
            move.ShouldBeNull();
            error!.Status.ShouldBe(status);
        }
    }

    [Theory]
    [InlineData(0, "promote to 'staging'")]
    [InlineData(1, "promote to 'production'")]
    [InlineData(2, "this version already runs in the last stage, 'production'")]
    public void the_entry_stage_is_never_a_promotion_target_and_the_refusal_says_where_to_go(int furthest, string instead)
    {
        var (move, error) = StageGraph.Resolve("fraud-detector", ["dev", "staging", "production"], furthest, "dev", isAdmin: true, skipReason: "x");
        move.ShouldBeNull();
        error!.Status.ShouldBe(422);
        error.Detail.ShouldBe($"'dev' is the entry stage of fraud-detector: every registered version starts there, so it is never a promotion target; {instead}.");
        error.Errors!.Keys.ShouldBe(["targetStage"]);
    }

    [Theory]
    [InlineData(new string[0], 0)]
    [InlineData(new[] { "shadow" }, 1)]
    [InlineData(new[] { "canary", "shadow" }, 2)]
    [InlineData(new[] { "unknown" }, 0)]
    public void the_furthest_stage_is_the_highest_a_version_runs_in(string[] deployedIn, int expected) =>
        StageGraph.FurthestIndex(Stages, deployedIn).ShouldBe(expected);

    private static GateFacts Facts(
        IReadOnlyList<SuiteFacts>? suites = null, IReadOnlyList<OpenIncident>? incidents = null, string? inTarget = null,
        bool fromFirst = false, Instant? registeredAt = null, IReadOnlyList<StageInterval>? intervals = null) =>
        new("canary", inTarget, suites ?? [], incidents ?? [], fromFirst ? "offline" : "shadow", fromFirst, registeredAt ?? Now - Duration.FromDays(1), intervals ?? []);

    private static StagePolicy Policy(string severity = "SEV2", Duration? soak = null) =>
        StagePolicy.Default(false) with { BlockOnIncidentSeverity = severity, MinSoak = soak ?? Duration.Zero };

    public static TheoryData<string, string, bool> IncidentCases => new()
    {
        { "SEV1", "SEV2", false },
        { "SEV2", "SEV2", false },
        { "SEV3", "SEV2", true },
        { "SEV4", "SEV1", true },
        { "SEV4", "SEV4", false },
    };

    [Theory]
    [MemberData(nameof(IncidentCases))]
    public void an_open_incident_blocks_at_or_above_the_policy_severity(string incident, string block, bool passes)
    {
        var gates = Gates.Evaluate(Policy(block), Facts(incidents: [new OpenIncident("inc-1", incident)]), Now);
        gates.Single(g => g.Name == "incidents").Passed.ShouldBe(passes);
    }

    public static TheoryData<int, int?, bool, bool> SoakCases => new()
    {
        // minutes required, minutes spent in shadow (null: comes from offline, registered a day ago), still there, passes
        { 0, 0, true, true },
        { 60, 59, true, false },
        { 60, 60, true, true },
        { 60, 30, false, false },
        { 60 * 24, null, false, true },
        { 60 * 25, null, false, false },
    };

    [Theory]
    [MemberData(nameof(SoakCases))]
    public void soak_time_is_the_time_spent_in_the_stage_the_version_comes_from(int required, int? spent, bool stillThere, bool passes)
    {
        var intervals = spent is { } minutes
            ? new[] { new StageInterval(Now - Duration.FromMinutes(minutes + (stillThere ? 0 : 10)), stillThere ? null : Now - Duration.FromMinutes(10)) }
            : [];
        var gates = Gates.Evaluate(Policy(soak: Duration.FromMinutes(required)), Facts(fromFirst: spent is null, intervals: intervals), Now);
        gates.Single(g => g.Name == "soak").Passed.ShouldBe(passes);
    }

    private static GateEvaluation Evaluation(string version, bool passed, double auc) =>
        new($"ev-{version}", version, 1, passed, new Dictionary<string, double> { ["auc"] = auc }, passed ? [] : ["metric:auc"]);

    public static TheoryData<string, double?, double?, double?, bool, bool?> SuiteCases => new()
    {
        // case, candidate auc (null: never evaluated), baseline auc (null: none), max regression, suite gate, regression gate (null: absent)
        { "never evaluated", null, null, 0.02, false, null },
        { "evaluated and passed, nothing in target", 0.9, null, 0.02, true, true },
        { "better than the target", 0.92, 0.90, 0.02, true, true },
        { "worse within the limit", 0.88, 0.90, 0.02, true, true },
        { "worse beyond the limit", 0.87, 0.90, 0.02, true, false },
        { "no limit on the metric", 0.5, 0.90, null, true, true },
    };

    [Theory]
    [MemberData(nameof(SuiteCases))]
    public void required_suites_must_be_passed_and_must_not_regress_against_the_target_stage(
        string name, double? candidate, double? baseline, double? limit, bool suitePasses, bool? regressionPasses)
    {
        var suite = new SuiteFacts("core", candidate is { } c ? Evaluation("v2", true, c) : null,
            [new SuiteMetric("auc", 0.4, MetricDirection.Higher, limit)], baseline is { } b ? Evaluation("v1", true, b) : null);
        var gates = Gates.Evaluate(Policy(), Facts(suites: [suite], inTarget: baseline is null ? null : "v1"), Now);
        gates.Single(g => g.Name == "suite:core").Passed.ShouldBe(suitePasses, name);
        ((bool?)gates.SingleOrDefault(g => g.Name == "regression:core")?.Passed).ShouldBe(regressionPasses, name);
    }

    [Fact]
    public void a_failed_latest_evaluation_fails_the_suite_gate_naming_the_failed_checks()
    {
        var suite = new SuiteFacts("core", Evaluation("v2", false, 0.3), [new SuiteMetric("auc", 0.4, MetricDirection.Higher)], null);
        var gate = Gates.Evaluate(Policy(), Facts(suites: [suite]), Now).Single(g => g.Name == "suite:core");
        gate.Passed.ShouldBeFalse();
        gate.Detail.ShouldContain("metric:auc");
    }

    private const string Digest = "sha256:aa";

    private static Promotion Pending(StagePolicy? policy = null, string requester = "rita", string registrant = "reg", params string[] approvedBy)
    {
        var state = Promotion.Initial.Evolve(Stored(new PromotionRequested("p1", "m", "v2", "shadow", "canary", [], null, null, "why", [], Digest, registrant, 0,
            policy ?? StagePolicy.Default(false) with { RequiredApprovals = 2 }, requester, Now)));
        state = state.Evolve(Stored(new PromotionGatesEvaluated("p1", GatePhase.Request, true, [], Now)));
        foreach (var by in approvedBy)
        {
            state = state.Evolve(Stored(new PromotionApproved("p1", by, null, Digest, Now)));
        }

        return state;
    }

    private static StoredEvent Stored(object data) => new(1, 1, Guid.NewGuid(), "promotion-p1", "promotion", 1, "x", data, new EventMetadata("t"), Now, []);

    public static TheoryData<string, string, string[], bool, string, int> ApprovalCases => new()
    {
        // case, approver, roles, allow self approval, current digest, expected status (200 accepted)
        { "an approver", "alice", [Roles.Approver], false, Digest, 200 },
        { "an admin", "root", [Roles.Admin], false, Digest, 200 },
        { "the requester", "rita", [Roles.Approver], false, Digest, 403 },
        { "the registrant", "reg", [Roles.Approver], false, Digest, 403 },
        { "the requester when self approval is allowed", "rita", [Roles.Approver], true, Digest, 200 },
        { "a contributor", "carl", [Roles.Contributor], false, Digest, 403 },
        { "on-call", "olga", [Roles.OnCall], false, Digest, 403 },
        { "the same approver twice", "amy", [Roles.Approver], false, Digest, 409 },
        { "after the artifact changed", "alice", [Roles.Approver], false, "sha256:bb", 409 },
    };

    [Theory]
    [MemberData(nameof(ApprovalCases))]
    public void approvals_enforce_separation_of_duties_roles_one_per_person_and_the_digest(
        string name, string approver, string[] roles, bool allowSelf, string digest, int expected)
    {
        var state = Pending(StagePolicy.Default(false) with { RequiredApprovals = 2, AllowSelfApproval = allowSelf }, approvedBy: "amy");
        (ApprovePromotion.Check("p1", digest, state, As(approver, roles))?.Status ?? 200).ShouldBe(expected, name);
    }

    [Fact]
    public void the_approval_that_reaches_the_required_count_approves_the_promotion()
    {
        var state = Pending(approvedBy: "amy");
        state.Status.ShouldBe(PromotionStatus.Pending);
        state.MissingApprovals.ShouldBe(1);
        ApprovePromotion.Check("p1", Digest, state, As("alice", Roles.Approver)).ShouldBeNull();
        var events = ApprovePromotion.Decide(new ApprovePromotion(null), "p1", state, Now, As("alice", Roles.Approver));
        state.Evolve(Stored(events.Single())).Status.ShouldBe(PromotionStatus.Approved);
    }

    [Theory]
    [InlineData(PromotionStatus.Rejected)]
    [InlineData(PromotionStatus.Withdrawn)]
    [InlineData(PromotionStatus.Blocked)]
    [InlineData(PromotionStatus.Deployed)]
    public void only_pending_promotions_take_approvals(string status)
    {
        var state = Pending() with { Status = status };
        ApprovePromotion.Check("p1", Digest, state, As("alice", Roles.Approver))!.Status.ShouldBe(409);
    }

    [Fact]
    public void deploying_records_the_running_version_as_fallback_and_writes_both_streams()
    {
        var approved = Pending(approvedBy: ["amy", "alice"]);
        approved.Status.ShouldBe(PromotionStatus.Approved);
        var running = Deployment.Initial.Evolve(Stored(new VersionDeployed("m", "canary", "v1", "p0", ["x"], null, null, null, "d", Now - Duration.FromDays(3))));
        DeployPromotion.Check("p1", Digest, approved).ShouldBeNull();
        var plan = DeployPromotion.Decide("p1", approved, running, Facts(), Now, As("dee", Roles.Contributor));
        plan.Error.ShouldBeNull();
        plan.PromotionEvents.OfType<PromotionDeployed>().Single().Previous.ShouldBe("v1");
        var deployed = plan.DeploymentEvents.OfType<VersionDeployed>().Single();
        (deployed.Version, deployed.Fallback, deployed.DeployedAt).ShouldBe(("v2", "v1", Now));
        deployed.ApprovedBy.ShouldBe(["amy", "alice"]);
    }

    [Fact]
    public void deploying_needs_the_artifact_the_approvals_were_given_for()
    {
        var approved = Pending(approvedBy: ["amy", "alice"]);
        DeployPromotion.Check("p1", "sha256:other", approved)!.Status.ShouldBe(409);
        DeployPromotion.Check("p1", Digest, approved).ShouldBeNull();
    }

    [Fact]
    public void deploying_with_a_failing_gate_records_the_evaluation_and_refuses_with_422()
    {
        var approved = Pending(approvedBy: ["amy", "alice"]);
        var plan = DeployPromotion.Decide("p1", approved, null, Facts(incidents: [new OpenIncident("i", "SEV1")]), Now, As("dee", Roles.Contributor));
        plan.Error!.Status.ShouldBe(422);
        plan.DeploymentEvents.ShouldBeEmpty();
        plan.PromotionEvents.Single().ShouldBeOfType<PromotionGatesEvaluated>().Passed.ShouldBeFalse();
        DeployPromotion.Check("p1", Digest, Pending())!.Status.ShouldBe(409);
    }

    [Fact]
    public void rollback_goes_to_the_fallback_then_the_previous_version_and_refuses_when_there_is_none()
    {
        var oncall = As("olga", Roles.OnCall);
        RollBackStage.Check(new RollBackStage(null, "r", null), "m", "canary", null, oncall)!.Status.ShouldBe(409);
        var one = Deployment.Initial.Evolve(Stored(new VersionDeployed("m", "canary", "v1", "p1", [], null, null, null, "d", Now)));
        RollBackStage.Check(new RollBackStage(null, "r", null), "m", "canary", one, oncall)!.Status.ShouldBe(409);
        var two = one.Evolve(Stored(new VersionDeployed("m", "canary", "v2", "p2", [], null, "v1", "v1", "d", Now)));
        RollBackStage.Check(new RollBackStage(null, "r", "inc-1"), "m", "canary", two, oncall).ShouldBeNull();
        var back = (VersionRolledBack)RollBackStage.Decide(new RollBackStage(null, "r", "inc-1"), "m", "canary", two, Now, oncall).Single();
        (back.FromVersion, back.ToVersion, back.ToPromotionId, back.IncidentId).ShouldBe(("v2", "v1", "p1", "inc-1"));
        RollBackStage.Check(new RollBackStage("v7", "r", null), "m", "canary", two, oncall)!.Status.ShouldBe(422);
        RollBackStage.Check(new RollBackStage(null, "r", null), "m", "canary", two, As("carl", Roles.Contributor))!.Status.ShouldBe(403);
    }
}
