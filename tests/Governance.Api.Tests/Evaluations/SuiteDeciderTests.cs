using Governance.Api.Core.Auth;
using Governance.Api.Evaluations;
using Governance.EventLog;
using NodaTime;

namespace Governance.Api.Tests.Evaluations;

/// <summary>Suites: defined once, every change a new revision, every revision kept.</summary>
public sealed class SuiteDeciderTests
{
    private static readonly Instant Now = Instant.FromUtc(2026, 11, 23, 9, 0);
    private static readonly Actor Ana = new("ana", new HashSet<string> { "contributor", "viewer" });

    private static readonly SuiteMetricInput Auc = new("auc", 0.9, "higher", 0.01);
    private static readonly SuiteSliceInput NewUsers = new("new-users", "auc", 0.8);

    private static DefineSuite Define(string name = "fraud-core") => new(name, "Core fraud metrics", [Auc], [NewUsers]);

    private static Suite Fold(params object[] events)
    {
        var state = Suite.Initial;
        var version = 0;
        foreach (var e in events)
        {
            version++;
            state = state.Evolve(new StoredEvent(version, 1, Guid.NewGuid(), "suite-x", Suite.StreamType, version, "", e, new EventMetadata("ana"), Now, []));
        }

        return state;
    }

    private static T Single<T>(IReadOnlyList<object> events) => events.ShouldHaveSingleItem().ShouldBeOfType<T>();

    [Fact]
    public void defining_a_suite_makes_revision_1_with_who_and_when()
    {
        var defined = Single<SuiteDefined>(DefineSuite.Decide(Define(), Now, Ana));

        defined.Revision.ShouldBe(1);
        defined.Name.ShouldBe("fraud-core");
        defined.Metrics.ShouldBe([new SuiteMetric("auc", 0.9, "higher", 0.01)]);
        defined.Slices.ShouldBe([new SuiteSlice("new-users", "auc", 0.8)]);
        defined.DefinedBy.ShouldBe("ana");
        defined.DefinedAt.ShouldBe(Now);
    }

    [Fact]
    public void defining_a_suite_twice_is_a_conflict()
    {
        var state = Fold(Single<SuiteDefined>(DefineSuite.Decide(Define(), Now, Ana)));

        DefineSuite.Check(Define(), null).ShouldBeNull();
        DefineSuite.Check(Define(), state)!.Status.ShouldBe(409);
    }

    [Fact]
    public void each_revision_and_each_added_slice_takes_the_next_revision_number_and_old_revisions_are_kept()
    {
        var defined = Single<SuiteDefined>(DefineSuite.Decide(Define(), Now, Ana));
        var state = Fold(defined);

        ReviseSuite.Check("fraud-core", state).ShouldBeNull();
        var revised = Single<SuiteRevised>(ReviseSuite.Decide("fraud-core", new ReviseSuite(null, "Stricter", [Auc with { Threshold = 0.92 }], [NewUsers]), state, Now, Ana));
        revised.Revision.ShouldBe(2);
        state = Fold(defined, revised);

        var eu = new AddSuiteSlice("fraud-core", "eu", "auc", 0.85, "inc-7");
        AddSuiteSlice.Check(eu, state).ShouldBeNull();
        var added = Single<SuiteSliceAdded>(AddSuiteSlice.Decide(eu, state, Now, Ana));
        added.Revision.ShouldBe(3);
        added.IncidentId.ShouldBe("inc-7");
        state = Fold(defined, revised, added);

        state.Revisions.Select(r => r.Revision).ShouldBe([1, 2, 3]);
        state.Current.Revision.ShouldBe(3);
        state.Current.Metrics.Single().Threshold.ShouldBe(0.92);
        state.Current.Slices.Select(s => s.Name).ShouldBe(["new-users", "eu"]);
        state.Revision(1)!.Metrics.Single().Threshold.ShouldBe(0.9);
        state.Revision(1)!.Description.ShouldBe("Core fraud metrics");
        state.Revision(4).ShouldBeNull();
    }

    [Fact]
    public void revising_an_unknown_suite_is_not_found()
    {
        ReviseSuite.Check("nope", null)!.Status.ShouldBe(404);
    }

    [Fact]
    public void revising_with_the_current_definition_is_not_a_new_revision()
    {
        var state = Fold(Single<SuiteDefined>(DefineSuite.Decide(Define(), Now, Ana)));

        ReviseSuite.Check("fraud-core", state).ShouldBeNull();
        ReviseSuite.Decide("fraud-core", new ReviseSuite("fraud-core", "Core fraud metrics", [Auc], [NewUsers]), state, Now, Ana).ShouldBeEmpty();
    }

    [Fact]
    public void a_slice_must_measure_one_of_the_suites_metrics()
    {
        var state = Fold(Single<SuiteDefined>(DefineSuite.Decide(Define(), Now, Ana)));

        var refusal = AddSuiteSlice.Check(new AddSuiteSlice("fraud-core", "eu", "recall", 0.85), state);

        refusal!.Status.ShouldBe(422);
        refusal.Errors!.Keys.ShouldBe(["metric"]);
    }

    [Fact]
    public void a_slice_name_is_used_once_but_adding_the_same_slice_again_changes_nothing()
    {
        var state = Fold(Single<SuiteDefined>(DefineSuite.Decide(Define(), Now, Ana)));

        var same = new AddSuiteSlice("fraud-core", "new-users", "auc", 0.8);
        AddSuiteSlice.Check(same, state).ShouldBeNull();
        AddSuiteSlice.Decide(same, state, Now, Ana).ShouldBeEmpty();
        AddSuiteSlice.Check(new AddSuiteSlice("fraud-core", "new-users", "auc", 0.7), state)!.Status.ShouldBe(409);
    }

    [Fact]
    public void adding_a_slice_to_an_unknown_suite_names_the_suite()
    {
        var refusal = AddSuiteSlice.Check(new AddSuiteSlice("nope", "eu", "auc", 0.85), null);

        refusal!.Status.ShouldBe(422);
        refusal.Errors!.Keys.ShouldBe(["suite"]);
    }
}
