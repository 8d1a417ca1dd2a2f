using Governance.Api.Core.Auth;
using Governance.Api.Evaluations;
using Governance.EventLog;
using NodaTime;

namespace Governance.Api.Tests.Evaluations;

/// <summary>Recording an evaluation: every reference must exist, and the verdict is stored with it.</summary>
public sealed class RecordEvaluationDeciderTests
{
    private static readonly Instant Now = Instant.FromUtc(2026, 11, 23, 9, 0);
    private static readonly Actor Ana = new("ana", new HashSet<string> { "contributor", "viewer" });
    private static readonly string[] Stages = ["offline", "shadow", "production"];

    private static readonly Suite TwoRevisions = Fold(
        new SuiteDefined("fraud-core", 1, "", [new SuiteMetric("auc", 0.9, "higher", 0.01)], [], "ana", Now),
        new SuiteRevised("fraud-core", 2, "", [new SuiteMetric("auc", 0.95, "higher", 0.01)], [], "ana", Now));

    private static Suite Fold(params object[] events)
    {
        var state = Suite.Initial;
        var version = 0;
        foreach (var e in events)
        {
            version++;
            state = state.Evolve(new StoredEvent(version, 1, Guid.NewGuid(), "suite-fraud-core", Suite.StreamType, version, "", e, new EventMetadata("ana"), Now, []));
        }

        return state;
    }

    private static RecordEvaluation Command(int? revision = null, string stage = "offline") => new(
        "fraud", "1.2.0", "fraud-core", revision, stage, ["tx@2026-11"],
        new Dictionary<string, double> { ["auc"] = 0.93 }, null, new Dictionary<string, double> { ["approval-rate"] = 0.7 });

    private static RecordEvaluation.References Refs(
        IReadOnlyList<string>? stages = null, bool version = true, Suite? suite = null, IReadOnlySet<string>? missing = null, Baseline? baseline = null) =>
        new(stages ?? Stages, version, suite ?? TwoRevisions, missing ?? new HashSet<string>(), baseline);

    [Fact]
    public void the_current_revision_is_used_unless_one_is_named()
    {
        RecordEvaluation.Check(Command(), "e1", Refs(), null).ShouldBeNull();
        var current = RecordEvaluation.Decide(Command(), "e1", Refs(), Now, Ana).Single().ShouldBeOfType<EvaluationRecorded>();
        current.SuiteRevision.ShouldBe(2);
        current.Passed.ShouldBeFalse(); // 0.93 < 0.95

        RecordEvaluation.Check(Command(revision: 1), "e1", Refs(), null).ShouldBeNull();
        var named = RecordEvaluation.Decide(Command(revision: 1), "e1", Refs(), Now, Ana).Single().ShouldBeOfType<EvaluationRecorded>();
        named.SuiteRevision.ShouldBe(1);
        named.Passed.ShouldBeTrue();
        named.RecordedBy.ShouldBe("ana");
        named.RecordedAt.ShouldBe(Now);
        named.ProductMetrics["approval-rate"].ShouldBe(0.7);
        named.Checks.Select(c => c.Name).ShouldBe(["metric:auc", "regression:auc"]);
    }

    [Fact]
    public void the_baseline_compared_with_is_kept_in_the_event()
    {
        var recorded = RecordEvaluation.Decide(Command(revision: 1), "e2",
                Refs(baseline: new Baseline("e0", "1.1.0", new Dictionary<string, double> { ["auc"] = 0.95 })), Now, Ana)
            .Single().ShouldBeOfType<EvaluationRecorded>();

        recorded.BaselineVersion.ShouldBe("1.1.0");
        recorded.BaselineEvaluationId.ShouldBe("e0");
        recorded.Checks.Single(c => c.Name == "regression:auc").Passed.ShouldBeFalse();
        recorded.Passed.ShouldBeFalse();
    }

    public static TheoryData<string, RecordEvaluation, RecordEvaluation.References> UnknownReferences => new()
    {
        { "model", Command(), Refs() with { ModelStages = null } },
        { "version", Command(), Refs(version: false) },
        { "stage", Command(stage: "canary"), Refs() },
        { "suite", Command(), Refs() with { Suite = null } },
        { "suiteRevision", Command(revision: 3), Refs() },
        { "datasets[0]", Command(), Refs(missing: new HashSet<string> { "tx@2026-11" }) },
    };

    [Theory]
    [MemberData(nameof(UnknownReferences))]
    public void an_unknown_reference_is_422_naming_the_field(string field, RecordEvaluation command, RecordEvaluation.References references)
    {
        var refusal = RecordEvaluation.Check(command, "e3", references, null);

        refusal!.Status.ShouldBe(422);
        refusal.Errors!.Keys.ShouldBe([field]);
    }
}
