using Governance.Api.Core.Auth;
using Governance.Api.Core.Errors;
using Governance.Api.Deployments;
using Governance.Api.Models;
using Governance.Api.Promotions;
using Governance.EventLog;
using NodaTime;

namespace Governance.Api.Tests.Promotions;

/// <summary>
/// Where a rollback may go, over sequences of deployments, rollbacks and fallback designations run through the real
/// deciders: table-driven cases, then random sequences checked against an oracle that reads the intervals instead of
/// the aggregate's bookkeeping.
/// </summary>
public sealed class RollbackRuleTests
{
    private const string Model = "m";
    private const string StageName = "production";
    private static readonly Instant Start = Instant.FromUtc(2026, 11, 23, 9, 0);
    private static readonly Actor OnCall = new("olga", Roles.Expand([Roles.OnCall, Roles.Approver]));

    public static TheoryData<string, string, string> Cases => new()
    {
        // case; steps (dN deploy N.0.0 through an approved promotion, rb roll back, rbN roll back naming N.0.0, fN designate
        // N.0.0 as fallback, FN a fallback_designated event as old code could write it); outcome of the last step
        { "the first rollback returns to the version deployed before", "d1 d2 rb", "1" },
        { "a second rollback does not bring the rolled-back version back", "d1 d2 rb rb", "409" },
        { "naming the rolled-back version returns to it", "d1 d2 rb rb2", "2" },
        { "after naming it back, the version it replaced counts as rolled back", "d1 d2 rb rb2 rb", "409" },
        { "a promotion deploying the version again makes it a destination again", "d1 d2 rb d2 d3 rb", "2" },
        { "a promotion deploying it again makes the version before it the fallback", "d1 d2 rb d2 rb", "1" },
        { "rollbacks step back one safe version at a time", "d1 d2 d3 rb rb", "1" },
        { "and stop when every earlier version was rolled back", "d1 d2 d3 rb rb rb", "409" },
        { "two bad releases in a row are both skipped", "d1 d2 rb d3 rb rb", "409" },
        { "a version named back and then replaced by a promotion is the fallback", "d1 d2 rb rb2 d3 rb", "2" },
        { "a designated fallback is where a rollback goes", "d1 d2 d3 f1 rb", "1" },
        { "a designated fallback that never ran is a destination", "d1 d2 f4 rb", "4" },
        { "designating a rolled-back version is refused", "d1 d2 d3 rb f3", "409" },
        { "designating the running version is refused", "d1 d2 f2", "422" },
        { "a fallback recorded by old code that was rolled back is skipped for the previous version", "d1 d2 rb d3 F2 rb", "1" },
        { "a rolled-back version can still be named after others ran", "d1 d2 rb d3 rb2", "2" },
        { "a named version must have run in the stage or be its fallback", "d1 d2 rb4", "422" },
        { "the running version cannot be named", "d1 d2 rb2", "409" },
        { "nothing runs", "rb", "409" },
        { "only one version ever ran", "d1 rb", "409" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void a_rollback_never_returns_unasked_to_a_version_rolled_back_from_the_stage(string name, string steps, string outcome)
    {
        var stage = new StageUnderTest();
        var tokens = steps.Split(' ');
        foreach (var token in tokens[..^1])
        {
            stage.Run(token).Error.ShouldBeNull($"{name}: step {token}");
        }

        var last = stage.Run(tokens[^1]);
        if (outcome.Length == 1)
        {
            last.Error.ShouldBeNull(name);
            stage.State!.Current!.Version.ShouldBe($"{outcome}.0.0", name);
        }
        else
        {
            last.Error.ShouldNotBeNull(name).Status.ShouldBe(int.Parse(outcome, System.Globalization.CultureInfo.InvariantCulture), name);
            last.Events.ShouldBeEmpty(name);
        }
    }

    [Fact]
    public void the_refusal_says_which_version_was_rolled_back_when_and_how_to_return_to_it_anyway()
    {
        var stage = new StageUnderTest();
        foreach (var token in "d1 d2 rb".Split(' '))
        {
            stage.Run(token);
        }

        var refused = stage.Run("rb").Error!;
        refused.Detail.ShouldBe("Nothing safe to roll back to in 'production' of model 'm': 2.0.0 was rolled back from it at 2026-11-23T09:03:00Z. " +
            "Name a version with toVersion to return to it anyway.");
    }

    [Fact]
    public void a_rollback_is_not_shown_as_approved()
    {
        var stage = new StageUnderTest();
        foreach (var token in "d1 d2 rb".Split(' '))
        {
            stage.Run(token);
        }

        var current = stage.State!.Current!;
        (current.Version, current.ByRollback).ShouldBe(("1.0.0", true));
        stage.State.History[0].ByRollback.ShouldBeFalse();
    }

    /// <summary>
    /// 500 random sequences of 1–12 steps. After every step: an implicit rollback lands only on the first safe one of
    /// fallback and previous, and is refused with 409 exactly when neither is safe; a refusal appends nothing; no rollback
    /// targets the running version; the fallback is always somewhere a rollback may go; the intervals stay contiguous and
    /// agree with the aggregate.
    /// </summary>
    [Fact]
    public void random_sequences_of_deployments_rollbacks_and_fallbacks_keep_every_rollback_safe()
    {
        var random = new Random(20261123);
        string[] versions = ["1.0.0", "2.0.0", "3.0.0", "4.0.0"];
        for (var sequence = 0; sequence < 500; sequence++)
        {
            var stage = new StageUnderTest();
            var length = random.Next(1, 13);
            var trail = new List<string>();
            for (var step = 0; step < length; step++)
            {
                var version = versions[random.Next(versions.Length)];
                var token = random.Next(100) switch
                {
                    < 35 => "d" + version[0],
                    < 65 => "rb",
                    < 80 => "rb" + version[0],
                    < 95 => "f" + version[0],
                    < 98 => "rb9",
                    _ => "f9",
                };
                if (token[0] == 'd' && stage.State?.Current?.Version == version)
                {
                    // A promotion into the stage the version already runs in is refused before any deployment is decided.
                    continue;
                }

                trail.Add(token);
                var context = $"sequence {sequence}: {string.Join(' ', trail)}";
                var before = stage.State;
                var oracle = new Oracle(stage.Events);
                var result = stage.Run(token);

                if (result.Error is not null)
                {
                    result.Events.ShouldBeEmpty(context);
                    stage.State.ShouldBe(before, context);
                }

                if (token == "rb")
                {
                    var safe = before?.Current is null
                        ? null
                        : new[] { before.Fallback, before.Previous }.OfType<string>().FirstOrDefault(v => v != oracle.Running && !oracle.WasRolledBack(v));
                    if (safe is null)
                    {
                        result.Error.ShouldNotBeNull(context).Status.ShouldBe(409, context);
                    }
                    else
                    {
                        result.Error.ShouldBeNull(context);
                        var rolledBack = result.Events.OfType<VersionRolledBack>().Single();
                        rolledBack.ToVersion.ShouldBe(safe, context);
                        oracle.WasRolledBack(rolledBack.ToVersion).ShouldBeFalse(context);
                    }
                }

                foreach (var rolledBack in result.Events.OfType<VersionRolledBack>())
                {
                    rolledBack.FromVersion.ShouldBe(before!.Current!.Version, context);
                    rolledBack.ToVersion.ShouldNotBe(rolledBack.FromVersion, context);
                }

                AssertConsistent(stage, context);
            }
        }
    }

    private static void AssertConsistent(StageUnderTest stage, string context)
    {
        var oracle = new Oracle(stage.Events);
        var state = stage.State;
        if (state is null)
        {
            oracle.Intervals.ShouldBeEmpty(context);
            return;
        }

        // One interval per entry in the history, each starting where the one before ended, only the last still open.
        oracle.Intervals.Select(i => (i.Version, i.ByRollback)).ShouldBe(state.History.Select(e => (e.Version, e.ByRollback)), context);
        for (var i = 0; i < oracle.Intervals.Count; i++)
        {
            var interval = oracle.Intervals[i];
            interval.From.ShouldBe(state.History[i].Since, context);
            if (i < oracle.Intervals.Count - 1)
            {
                interval.To.ShouldBe(oracle.Intervals[i + 1].From, context);
                interval.EndedByRollback.ShouldBe(oracle.Intervals[i + 1].ByRollback, context);
            }
            else
            {
                interval.To.ShouldBeNull(context);
            }
        }

        state.Current.ShouldBe(state.History[^1], context);
        oracle.WasRolledBack(state.Current!.Version).ShouldBeFalse(context);
        if (state.Fallback is { } fallback)
        {
            fallback.ShouldNotBe(state.Current.Version, context);
            oracle.WasRolledBack(fallback).ShouldBeFalse(context);
        }

        foreach (var version in state.History.Select(e => e.Version).Distinct())
        {
            (state.RolledBackFrom(version) is not null).ShouldBe(oracle.WasRolledBack(version), $"{context}: {version}");
        }
    }

    /// <summary>One interval of the stage as the read model keeps it.</summary>
    private sealed record Interval(string Version, Instant From, bool ByRollback)
    {
        public Instant? To { get; set; }

        public bool EndedByRollback { get; set; }
    }

    /// <summary>
    /// The rule restated over intervals rather than the aggregate's list: a version was rolled back from the stage when
    /// its latest interval there was ended by a rollback.
    /// </summary>
    private sealed class Oracle
    {
        public Oracle(IEnumerable<object> events)
        {
            foreach (var e in events)
            {
                switch (e)
                {
                    case VersionDeployed d:
                        Close(d.DeployedAt, false);
                        Intervals.Add(new Interval(d.Version, d.DeployedAt, false));
                        break;
                    case VersionRolledBack r:
                        Close(r.RolledBackAt, true);
                        Intervals.Add(new Interval(r.ToVersion, r.RolledBackAt, true));
                        break;
                }
            }
        }

        public List<Interval> Intervals { get; } = [];

        public string? Running => Intervals.LastOrDefault()?.Version;

        public bool WasRolledBack(string version) => Intervals.LastOrDefault(i => i.Version == version) is { To: not null, EndedByRollback: true };

        private void Close(Instant at, bool byRollback)
        {
            if (Intervals.Count > 0)
            {
                Intervals[^1].To = at;
                Intervals[^1].EndedByRollback = byRollback;
            }
        }
    }

    /// <summary>One stage's deployment stream, driven through the deciders the endpoints use.</summary>
    private sealed class StageUnderTest
    {
        private const string Digest = "sha256:aa";
        private int promotions;
        private Instant now = Start;

        /// <summary>The folded stream; null while it has no events, as the endpoints see it.</summary>
        public Deployment? State { get; private set; }

        public List<object> Events { get; } = [];

        public (IReadOnlyList<object> Events, DomainError? Error) Run(string token)
        {
            now += Duration.FromMinutes(1);
            var version = token[^1] is >= '0' and <= '9' ? $"{token[^1]}.0.0" : null;
            (IReadOnlyList<object> Events, DomainError? Error) result = token[..^(version is null ? 0 : 1)] switch
            {
                "d" => Deploy(version!),
                "rb" => RollBack(new RollBackStage(version, "bad release", null)),
                "f" => Designate(new DesignateFallback(version!), versionExists: version != "9.0.0"),
                "F" => ([new FallbackDesignated(Model, StageName, version!, "old-code", now)], null),
                _ => throw new ArgumentException($"Unknown step '{token}'.", nameof(token)),
            };
            if (result.Error is null)
            {
                foreach (var e in result.Events)
                {
                    State = (State ?? Deployment.Initial).Evolve(Stored(e, now));
                    Events.Add(e);
                }
            }

            return result;
        }

        // As the endpoints do: the rules in Validate first, then the events.
        private (IReadOnlyList<object>, DomainError?) RollBack(RollBackStage command) =>
            RollBackStage.Check(command, Model, StageName, State, OnCall) is { } refused
                ? ([], refused)
                : (RollBackStage.Decide(command, Model, StageName, State!, now, OnCall), null);

        private (IReadOnlyList<object>, DomainError?) Designate(DesignateFallback command, bool versionExists) =>
            DesignateFallback.Check(command, Model, StageName, versionExists, State) is { } refused
                ? ([], refused)
                : (DesignateFallback.Decide(command, Model, StageName, State!, now, OnCall), null);

        // An approved promotion of the version into the stage, deployed: the deployment event is the one the endpoint appends.
        private (IReadOnlyList<object>, DomainError?) Deploy(string version)
        {
            var id = $"p{++promotions}";
            var promotion = Promotion.Initial.Evolve(Stored(new PromotionRequested(id, Model, version, "canary", StageName, [], null, null, "why", [], Digest, "reg", 0,
                StagePolicy.Default(true), "rita", now), now));
            promotion = promotion.Evolve(Stored(new PromotionGatesEvaluated(id, GatePhase.Request, true, [], now), now));
            promotion = promotion.Evolve(Stored(new PromotionApproved(id, "amy", null, Digest, now), now));
            promotion = promotion.Evolve(Stored(new PromotionApproved(id, "alice", null, Digest, now), now));
            promotion.Status.ShouldBe(PromotionStatus.Approved);
            var facts = new GateFacts(StageName, State?.Current?.Version, [], [], "canary", false, now - Duration.FromDays(30), []);
            DeployPromotion.Check(id, Digest, promotion).ShouldBeNull();
            var plan = DeployPromotion.Decide(id, promotion, State, facts, now, new Actor("dee", Roles.Expand([Roles.Contributor])));
            return (plan.DeploymentEvents, plan.Error);
        }

        private static StoredEvent Stored(object data, Instant at) => new(1, 1, Guid.NewGuid(), "s", "t", 1, "x", data, new EventMetadata("t"), at, []);
    }
}
