using System.Text.Json;
using Governance.Api.Tests.Harness;
using Governance.Api.Tests.Registry;
using NodaTime;
using NodaTime.Text;

namespace Governance.Api.Tests.Promotions;

/// <summary>Deployment history per stage, fallback, rollback and point-in-time answers, checked against a replay of the events.</summary>
public sealed class DeploymentHistoryTests(GovernanceApp app) : IClassFixture<GovernanceApp>
{
    private static string Iso(Instant instant) => InstantPattern.ExtendedIso.Format(instant);

    [Fact]
    public async Task rollback_returns_to_the_previous_version_and_the_history_marks_it()
    {
        await app.ModelWithVersionsAsync("roll-a", "v1", "v2");
        var alice = await app.CreatePrincipalAsync("roll-alice", GovernanceApp.Role.Approver);
        var oncall = await app.CreatePrincipalAsync("roll-olga", GovernanceApp.Role.OnCall);
        var viewer = await app.CreatePrincipalAsync("roll-vic", GovernanceApp.Role.Contributor);
        var first = await app.PromoteAsync("roll-a", "v1", "shadow", alice);
        await app.PromoteAsync("roll-a", "v2", "shadow", alice);

        await app.Scenario(s => s.Post.Json(new { reason = "latency" }).ToUrl("/api/v1/models/roll-a/stages/shadow/rollback").As(viewer).StatusCodeShouldBe(403));
        var rolled = await app.Scenario(s => s.Post.Json(new { reason = "p99 latency doubled", incidentId = "inc-77" })
            .ToUrl("/api/v1/models/roll-a/stages/shadow/rollback").As(oncall).StatusCodeShouldBe(200));
        rolled.Json.GetProperty("fromVersion").GetString().ShouldBe("v2");
        rolled.Json.GetProperty("toVersion").GetString().ShouldBe("v1");

        var history = await app.Scenario(s => s.Get.Url("/api/v1/models/roll-a/stages/shadow/history").StatusCodeShouldBe(200));
        history.Json.EnumerateArray().Select(i => (i.GetProperty("version").GetString(), i.GetProperty("rolledBack").GetBoolean()))
            .ShouldBe([("v1", false), ("v2", true), ("v1", false)]);
        history.Json[1].GetProperty("incidentId").GetString().ShouldBe("inc-77");
        history.Json[0].GetProperty("promotionId").GetString().ShouldBe(first);
        history.Json[0].GetProperty("via").GetString().ShouldBe("promotion");
        history.Json[2].GetProperty("via").GetString().ShouldBe("rollback");
        history.Json[2].TryGetProperty("promotionId", out _).ShouldBeFalse();
        history.Json[2].GetProperty("approvedBy").GetArrayLength().ShouldBe(0);
        history.Json[2].TryGetProperty("to", out _).ShouldBeFalse();

        var model = await app.Scenario(s => s.Get.Url("/api/v1/models/roll-a").StatusCodeShouldBe(200));
        var shadow = model.Json.GetProperty("deployments")[1];
        shadow.GetProperty("version").GetString().ShouldBe("v1");
        shadow.GetProperty("via").GetString().ShouldBe("rollback");
        shadow.GetProperty("approvedBy").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task a_second_rollback_does_not_bring_back_the_version_rolled_back_and_says_why()
    {
        await app.ModelWithVersionsAsync("twice-a", "1.0.0", "2.0.0");
        var alice = await app.CreatePrincipalAsync("twice-alice", GovernanceApp.Role.Approver);
        var bob = await app.CreatePrincipalAsync("twice-bob", GovernanceApp.Role.Approver);
        var olga = await app.CreatePrincipalAsync("twice-olga", GovernanceApp.Role.OnCall);
        foreach (var version in new[] { "1.0.0", "2.0.0" })
        {
            await app.PromoteAsync("twice-a", version, "shadow", alice);
            await app.PromoteAsync("twice-a", version, "canary", alice);
            await app.PromoteAsync("twice-a", version, "production", alice, bob);
        }

        const string Rollback = "/api/v1/models/twice-a/stages/production/rollback";
        var first = await app.Scenario(s => s.Post.Json(new { reason = "error rate tripled" }).ToUrl(Rollback).As(olga).StatusCodeShouldBe(200));
        (first.Json.GetProperty("fromVersion").GetString(), first.Json.GetProperty("toVersion").GetString()).ShouldBe(("2.0.0", "1.0.0"));
        first.Json.TryGetProperty("fallback", out _).ShouldBeFalse();

        var events = await app.EventCountAsync();
        var second = await app.Scenario(s => s.Post.Json(new { reason = "still bad" }).ToUrl(Rollback).As(olga).StatusCodeShouldBe(409).ShouldBeProblem());
        second.Json.GetProperty("detail").GetString().ShouldBe(
            $"Nothing safe to roll back to in 'production' of model 'twice-a': 2.0.0 was rolled back from it at {Iso(app.Clock.GetCurrentInstant())}. " +
            "Name a version with toVersion to return to it anyway.");
        await app.Scenario(s => s.Put.Json(new { version = "2.0.0" }).ToUrl("/api/v1/models/twice-a/stages/production/fallback").StatusCodeShouldBe(409).ShouldBeProblem());
        (await app.EventCountAsync()).ShouldBe(events);

        var now = await app.Scenario(s => s.Get.Url("/api/v1/models/twice-a/deployments").StatusCodeShouldBe(200));
        var production = now.Json.GetProperty("stages")[3];
        production.GetProperty("version").GetString().ShouldBe("1.0.0");
        production.GetProperty("via").GetString().ShouldBe("rollback");
        production.GetProperty("approvedBy").GetArrayLength().ShouldBe(0);

        var named = await app.Scenario(s => s.Post.Json(new { toVersion = "2.0.0", reason = "1.0.0 cannot read the new schema" }).ToUrl(Rollback).As(olga).StatusCodeShouldBe(200));
        named.Json.GetProperty("toVersion").GetString().ShouldBe("2.0.0");
        var after = (await app.Scenario(s => s.Get.Url("/api/v1/models/twice-a/deployments").StatusCodeShouldBe(200))).Json.GetProperty("stages")[3];
        after.GetProperty("version").GetString().ShouldBe("2.0.0");
        after.GetProperty("via").GetString().ShouldBe("rollback");
        after.GetProperty("approvedBy").GetArrayLength().ShouldBe(0);

        var history = await app.Scenario(s => s.Get.Url("/api/v1/models/twice-a/stages/production/history").StatusCodeShouldBe(200));
        history.Json.EnumerateArray().Select(i => (i.GetProperty("version").GetString(), i.GetProperty("via").GetString(), i.GetProperty("approvedBy").GetArrayLength()))
            .ShouldBe([("1.0.0", "promotion", 2), ("2.0.0", "promotion", 2), ("1.0.0", "rollback", 0), ("2.0.0", "rollback", 0)]);
    }

    [Fact]
    public async Task rows_a_rollback_wrote_before_it_said_so_lose_the_approvals_nobody_gave()
    {
        // Rows as the projection wrote them before 0009: the interval a rollback opened repeats the original promotion.
        await app.ExecuteSqlAsync("""
            INSERT INTO governance.deployment_intervals (model, stage, version, "from", "to", promotion_id, rolled_back, approved_by) VALUES
              ('old-roll', 'production', '1.0.0', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z', 'p1', false, '{amy,bob}'),
              ('old-roll', 'production', '2.0.0', '2026-01-02T00:00:00Z', '2026-01-03T00:00:00Z', 'p2', true, '{amy,bob}'),
              ('old-roll', 'production', '1.0.0', '2026-01-03T00:00:00Z', NULL, 'p1', false, '{amy,bob}'),
              ('old-roll', 'canary', '2.0.0', '2026-01-01T00:00:00Z', NULL, 'p3', false, '{amy}');
            INSERT INTO governance.current_deployments (model, stage, version, since, promotion_id, approved_by) VALUES
              ('old-roll', 'production', '1.0.0', '2026-01-03T00:00:00Z', 'p1', '{amy,bob}'),
              ('old-roll', 'canary', '2.0.0', '2026-01-01T00:00:00Z', 'p3', '{amy}');
            """);
        var migration = typeof(Governance.Api.Deployments.Deployment).Assembly.GetManifestResourceStream("Governance.Api.Migrations.0009_deployment_via.sql")!;
        var sql = await new StreamReader(migration).ReadToEndAsync();
        await app.ExecuteSqlAsync(sql[sql.IndexOf("-- Existing rows", StringComparison.Ordinal)..]);

        await using var connection = new Npgsql.NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand(
            "SELECT stage, version, via, promotion_id, cardinality(approved_by) FROM governance.deployment_intervals WHERE model = 'old-roll' " +
            "UNION ALL SELECT 'current ' || stage, version, via, promotion_id, cardinality(approved_by) FROM governance.current_deployments WHERE model = 'old-roll'",
            connection);
        var rows = new List<(string, string, string, string?, int)>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetInt32(4)));
        }

        rows.ShouldBe(
        [
            ("production", "1.0.0", "promotion", "p1", 2),
            ("production", "2.0.0", "promotion", "p2", 2),
            ("production", "1.0.0", "rollback", null, 0),
            ("canary", "2.0.0", "promotion", "p3", 1),
            ("current production", "1.0.0", "rollback", null, 0),
            ("current canary", "2.0.0", "promotion", "p3", 1),
        ], ignoreOrder: true);
    }

    [Fact]
    public async Task dataset_impact_shows_where_the_affected_versions_are_deployed()
    {
        await app.RegisterModelAsync("impact-a");
        await app.RegisterDatasetAsync("impact-data", "d1");
        await app.RegisterVersionAsync("impact-a", "v1", datasets: ["impact-data@d1"]);
        var alice = await app.CreatePrincipalAsync("impact-alice", GovernanceApp.Role.Approver);
        await app.PromoteAsync("impact-a", "v1", "shadow", alice);
        var impact = await app.Scenario(s => s.Get.Url("/api/v1/datasets/impact-data/versions/d1/impact").StatusCodeShouldBe(200));
        var version = impact.Json.GetProperty("modelVersions").EnumerateArray().Single();
        version.GetProperty("deployments")[0].GetProperty("stage").GetString().ShouldBe("shadow");
    }

    [Fact]
    public async Task rollback_is_409_when_there_is_nothing_to_fall_back_to()
    {
        await app.ModelWithVersionsAsync("roll-none", "v1");
        var alice = await app.CreatePrincipalAsync("rollnone-alice", GovernanceApp.Role.Approver);
        await app.Scenario(s => s.Post.Json(new { reason = "nothing runs" }).ToUrl("/api/v1/models/roll-none/stages/shadow/rollback").StatusCodeShouldBe(409).ShouldBeProblem());
        await app.PromoteAsync("roll-none", "v1", "shadow", alice);
        await app.Scenario(s => s.Post.Json(new { reason = "only one version ever ran" }).ToUrl("/api/v1/models/roll-none/stages/shadow/rollback").StatusCodeShouldBe(409).ShouldBeProblem());
        await app.Scenario(s => s.Post.Json(new { reason = "x" }).ToUrl("/api/v1/models/roll-none/stages/staging/rollback").StatusCodeShouldBe(404));
        await app.Scenario(s => s.Post.Json(new { reason = "x" }).ToUrl("/api/v1/models/roll-nope/stages/shadow/rollback").StatusCodeShouldBe(404));
    }

    [Fact]
    public async Task a_designated_fallback_is_where_a_rollback_goes()
    {
        await app.ModelWithVersionsAsync("fallback-a", "v1", "v2", "v3");
        var alice = await app.CreatePrincipalAsync("fallback-alice", GovernanceApp.Role.Approver);
        await app.PromoteAsync("fallback-a", "v1", "shadow", alice);
        await app.PromoteAsync("fallback-a", "v2", "shadow", alice);
        await app.PromoteAsync("fallback-a", "v3", "shadow", alice);

        await app.Scenario(s => s.Put.Json(new { version = "v3" }).ToUrl("/api/v1/models/fallback-a/stages/shadow/fallback").StatusCodeShouldBe(422));
        await app.Scenario(s => s.Put.Json(new { version = "v9" }).ToUrl("/api/v1/models/fallback-a/stages/shadow/fallback").StatusCodeShouldBe(422));
        await app.Scenario(s => s.Put.Json(new { version = "v1" }).ToUrl("/api/v1/models/fallback-a/stages/canary/fallback").StatusCodeShouldBe(409));
        await app.Scenario(s => s.Put.Json(new { version = "v1" }).ToUrl("/api/v1/models/fallback-a/stages/shadow/fallback").StatusCodeShouldBe(200));
        var model = await app.Scenario(s => s.Get.Url("/api/v1/models/fallback-a").StatusCodeShouldBe(200));
        model.Json.GetProperty("deployments")[1].GetProperty("fallback").GetString().ShouldBe("v1");

        var rolled = await app.Scenario(s => s.Post.Json(new { reason = "bad release" }).ToUrl("/api/v1/models/fallback-a/stages/shadow/rollback").StatusCodeShouldBe(200));
        rolled.Json.GetProperty("toVersion").GetString().ShouldBe("v1");
        rolled.Json.GetProperty("fallback").GetString().ShouldBe("v2");

        var named = await app.Scenario(s => s.Post.Json(new { toVersion = "v2", reason = "v2 was fine after all" }).ToUrl("/api/v1/models/fallback-a/stages/shadow/rollback").StatusCodeShouldBe(200));
        named.Json.GetProperty("toVersion").GetString().ShouldBe("v2");
        await app.Scenario(s => s.Post.Json(new { toVersion = "v2", reason = "again" }).ToUrl("/api/v1/models/fallback-a/stages/shadow/rollback").StatusCodeShouldBe(409));
    }

    [Fact]
    public async Task deployments_at_any_past_instant_match_a_replay_of_the_deployment_events()
    {
        await app.ModelWithVersionsAsync("pit-a", "v1", "v2", "v3");
        var alice = await app.CreatePrincipalAsync("pit-alice", GovernanceApp.Role.Approver);
        var bob = await app.CreatePrincipalAsync("pit-bob", GovernanceApp.Role.Approver);
        var t0 = app.Clock.GetCurrentInstant();
        app.Clock.Advance(Duration.FromMinutes(10));
        var t1 = app.Clock.GetCurrentInstant();
        var p1 = await app.PromoteAsync("pit-a", "v1", "shadow", alice);
        app.Clock.Advance(Duration.FromHours(1));
        var t2 = app.Clock.GetCurrentInstant();
        await app.PromoteAsync("pit-a", "v1", "canary", bob);
        app.Clock.Advance(Duration.FromHours(1));
        var t3 = app.Clock.GetCurrentInstant();
        await app.PromoteAsync("pit-a", "v2", "shadow", alice);
        app.Clock.Advance(Duration.FromHours(2));
        var t4 = app.Clock.GetCurrentInstant();
        await app.Scenario(s => s.Post.Json(new { reason = "drift" }).ToUrl("/api/v1/models/pit-a/stages/shadow/rollback").StatusCodeShouldBe(200));
        app.Clock.Advance(Duration.FromMinutes(5));

        var expectations = new (Instant At, string? Shadow, string? Canary)[]
        {
            (t0, null, null),
            (t1 - Duration.FromSeconds(1), null, null),
            (t1, "v1", null),
            (t2 - Duration.FromSeconds(1), "v1", null),
            (t2, "v1", "v1"),
            (t3 + Duration.FromMinutes(30), "v2", "v1"),
            (t4 - Duration.FromMilliseconds(1), "v2", "v1"),
            (t4, "v1", "v1"),
            (app.Clock.GetCurrentInstant(), "v1", "v1"),
        };
        var replay = await ReplayAsync("pit-a", ["shadow", "canary"]);
        foreach (var (at, shadow, canary) in expectations)
        {
            var result = await app.Scenario(s => s.Get.Url($"/api/v1/models/pit-a/deployments?at={Uri.EscapeDataString(Iso(at))}").StatusCodeShouldBe(200));
            var stages = result.Json.GetProperty("stages").EnumerateArray().ToDictionary(e => e.GetProperty("stage").GetString()!, e => e);
            Version(stages["shadow"]).ShouldBe(shadow, $"shadow at {at}");
            Version(stages["canary"]).ShouldBe(canary, $"canary at {at}");
            Version(stages["production"]).ShouldBeNull();
            Version(stages["shadow"]).ShouldBe(replay("shadow", at), $"shadow at {at} vs. replay");
            Version(stages["canary"]).ShouldBe(replay("canary", at), $"canary at {at} vs. replay");
        }

        var atT1 = await app.Scenario(s => s.Get.Url($"/api/v1/models/pit-a/deployments?at={Uri.EscapeDataString(Iso(t1))}").StatusCodeShouldBe(200));
        var shadowAtT1 = atT1.Json.GetProperty("stages")[1];
        shadowAtT1.GetProperty("promotionId").GetString().ShouldBe(p1);
        shadowAtT1.GetProperty("approvedBy")[0].GetString().ShouldBe("pit-alice");
        shadowAtT1.GetProperty("since").GetString().ShouldBe(Iso(t1));

        await app.Scenario(s => s.Get.Url("/api/v1/models/pit-a/deployments?at=yesterday").StatusCodeShouldBe(400));
        await app.Scenario(s => s.Get.Url("/api/v1/models/pit-nope/deployments").StatusCodeShouldBe(404));
    }

    [Fact]
    public async Task the_entry_stage_shows_the_versions_registered_by_then_and_never_a_deployment()
    {
        await app.RegisterModelAsync("entry-a", stages: ["dev", "staging", "production"]);
        await app.RegisterVersionAsync("entry-a", "v1");
        var alice = await app.CreatePrincipalAsync("entry-alice", GovernanceApp.Role.Approver);
        await app.PromoteAsync("entry-a", "v1", "staging", alice);
        app.Clock.Advance(Duration.FromMinutes(10));
        var beforeV2 = app.Clock.GetCurrentInstant();
        app.Clock.Advance(Duration.FromMinutes(10));
        await app.RegisterVersionAsync("entry-a", "v2");

        var now = await app.Scenario(s => s.Get.Url("/api/v1/models/entry-a/deployments").StatusCodeShouldBe(200));
        now.Json.GetProperty("entryStage").GetString().ShouldBe("dev");
        var stages = now.Json.GetProperty("stages");
        stages.EnumerateArray().Select(e => (e.GetProperty("stage").GetString(), e.GetProperty("status").GetString()))
            .ShouldBe([("dev", "registered"), ("staging", "deployed"), ("production", "empty")]);
        Version(stages[0]).ShouldBeNull();
        stages[0].GetProperty("registered").GetProperty("count").GetInt32().ShouldBe(2);
        stages[0].GetProperty("registered").GetProperty("latest").GetString().ShouldBe("v2");
        stages[1].TryGetProperty("registered", out _).ShouldBeFalse();

        var then = await app.Scenario(s => s.Get.Url($"/api/v1/models/entry-a/deployments?at={Uri.EscapeDataString(Iso(beforeV2))}").StatusCodeShouldBe(200));
        then.Json.GetProperty("stages")[0].GetProperty("registered").GetProperty("count").GetInt32().ShouldBe(1);
        then.Json.GetProperty("stages")[0].GetProperty("registered").GetProperty("latest").GetString().ShouldBe("v1");

        var model = await app.Scenario(s => s.Get.Url("/api/v1/models/entry-a").StatusCodeShouldBe(200));
        model.Json.GetProperty("entryStage").GetString().ShouldBe("dev");
        var entry = model.Json.GetProperty("deployments")[0];
        entry.GetProperty("status").GetString().ShouldBe("registered");
        entry.GetProperty("registered").GetProperty("count").GetInt32().ShouldBe(2);
        model.Json.GetProperty("deployments")[1].GetProperty("version").GetString().ShouldBe("v1");
        var listed = await app.Scenario(s => s.Get.Url("/api/v1/models?team=fraud-team").StatusCodeShouldBe(200));
        listed.Json.EnumerateArray().Single(m => m.GetProperty("key").GetString() == "entry-a")
            .GetProperty("deployments")[0].GetProperty("registered").GetProperty("latest").GetString().ShouldBe("v2");
    }

    private static string? Version(JsonElement stage) => stage.TryGetProperty("version", out var v) ? v.GetString() : null;

    // Folds each stage's deployment stream as served by the audit API: the last event at or before T decides.
    private async Task<Func<string, Instant, string?>> ReplayAsync(string model, string[] stages)
    {
        var timelines = new Dictionary<string, List<(Instant At, string Version)>>();
        foreach (var stage in stages)
        {
            var events = await app.Scenario(s => s.Get.Url($"/api/v1/streams/deployment-{model}-{stage}/events").StatusCodeShouldBe(200));
            var timeline = new List<(Instant, string)>();
            foreach (var e in Events(events.Json))
            {
                var data = e.GetProperty("data");
                switch (e.GetProperty("type").GetString())
                {
                    case "version_deployed":
                        timeline.Add((InstantPattern.ExtendedIso.Parse(data.GetProperty("deployedAt").GetString()!).Value, data.GetProperty("version").GetString()!));
                        break;
                    case "version_rolled_back":
                        timeline.Add((InstantPattern.ExtendedIso.Parse(data.GetProperty("rolledBackAt").GetString()!).Value, data.GetProperty("toVersion").GetString()!));
                        break;
                }
            }

            timelines[stage] = timeline;
        }

        return (stage, at) => timelines[stage].LastOrDefault(t => t.At <= at).Version;
    }

    private static JsonElement.ArrayEnumerator Events(JsonElement body) =>
        body.ValueKind == JsonValueKind.Array ? body.EnumerateArray() : body.GetProperty("events").EnumerateArray();
}
