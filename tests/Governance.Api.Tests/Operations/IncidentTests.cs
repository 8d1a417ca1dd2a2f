using Governance.Api.Incidents;
using Governance.Api.Tests.Harness;
using Governance.Api.Tests.Registry;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;

namespace Governance.Api.Tests.Operations;

/// <summary>Incidents over HTTP: routing at open time, the life cycle, postmortems, escalation exactly once.</summary>
public sealed class IncidentTests(GovernanceApp app) : IClassFixture<GovernanceApp>
{
    [Fact]
    public async Task an_incident_goes_to_the_owning_teams_primary_at_open_time()
    {
        app.Clock.Reset(GovernanceApp.Start);
        await app.RegisterModelAsync("route-model", team: "route-team");
        await app.DefineRotationAsync("route-team", ["ana", "ben", "cem"], startsOn: "2026-11-16");
        var first = await app.Scenario(s =>
        {
            s.Post.Json(new { model = "route-model", severity = "SEV2", title = "Drift", description = "d", source = "user-report" }).ToUrl("/api/v1/incidents");
            s.StatusCodeShouldBe(201);
        });
        first.Json.GetProperty("assignee").GetString().ShouldBe("ben");
        first.Header("Location").ShouldBe($"/api/v1/incidents/{first.Json.GetProperty("id").GetString()}");
        first.Json.GetProperty("ackDeadline").GetString().ShouldBe("2026-11-23T09:30:00Z");

        app.Clock.Advance(Duration.FromDays(7));
        var later = await app.OpenIncidentAsync("route-model", "SEV3");
        var view = await app.Scenario(s => s.Get.Url($"/api/v1/incidents/{later}").StatusCodeShouldBe(200));
        view.Json.GetProperty("assignee").GetString().ShouldBe("cem");
        view.Json.GetProperty("severity").GetString().ShouldBe("SEV3");
        view.Json.GetProperty("team").GetString().ShouldBe("route-team");
        view.Json.TryGetProperty("ackDeadline", out _).ShouldBeFalse();
        app.Clock.Reset(GovernanceApp.Start);
    }

    [Fact]
    public async Task an_incident_on_a_team_without_a_rotation_is_unassigned()
    {
        await app.RegisterModelAsync("lonely-model", team: "lonely-team");
        var result = await app.Scenario(s => s.Post.Json(new { model = "lonely-model", severity = "SEV4", title = "t", source = "alert" }).ToUrl("/api/v1/incidents").StatusCodeShouldBe(201));
        result.Json.TryGetProperty("assignee", out _).ShouldBeFalse();
    }

    [Fact]
    public async Task the_life_cycle_runs_open_acknowledged_mitigated_resolved_and_back()
    {
        await app.RegisterModelAsync("cycle-model", team: "cycle-team");
        var id = await app.OpenIncidentAsync("cycle-model");
        var oncall = await app.CreatePrincipalAsync("cycle-oncall", "oncall");
        await app.Scenario(s => s.Post.Json(new { note = "on it" }).ToUrl($"/api/v1/incidents/{id}/acknowledgement").As(oncall).StatusCodeShouldBe(200)
            .BodyShouldContain("\"status\":\"acknowledged\""));
        await app.Scenario(s => s.Post.Json(new { note = "again" }).ToUrl($"/api/v1/incidents/{id}/acknowledgement").As(oncall).StatusCodeShouldBe(409).ShouldBeProblem());
        await app.Scenario(s => s.Post.Json(new { assignee = "dora" }).ToUrl($"/api/v1/incidents/{id}/assignment").As(oncall).StatusCodeShouldBe(200));
        await app.Scenario(s => s.Post.Json(new { action = "rollback", note = "back to v1" }).ToUrl($"/api/v1/incidents/{id}/mitigation").As(oncall).StatusCodeShouldBe(200));
        await app.Scenario(s => s.Post.Json(new { action = "filter" }).ToUrl($"/api/v1/incidents/{id}/mitigation").As(oncall).StatusCodeShouldBe(409));
        await app.Scenario(s => s.Post.Json(new { resolution = "retrained" }).ToUrl($"/api/v1/incidents/{id}/resolution").As(oncall).StatusCodeShouldBe(200));
        await app.Scenario(s => s.Post.Json(new { resolution = "again" }).ToUrl($"/api/v1/incidents/{id}/resolution").As(oncall).StatusCodeShouldBe(409));
        await app.Scenario(s => s.Post.Json(new { reason = "drift is back" }).ToUrl($"/api/v1/incidents/{id}/reopening").As(oncall).StatusCodeShouldBe(200));
        await app.Scenario(s => s.Post.Json(new { reason = "twice" }).ToUrl($"/api/v1/incidents/{id}/reopening").As(oncall).StatusCodeShouldBe(409));

        var view = await app.Scenario(s => s.Get.Url($"/api/v1/incidents/{id}").StatusCodeShouldBe(200));
        view.Json.GetProperty("status").GetString().ShouldBe("open");
        view.Json.GetProperty("assignee").GetString().ShouldBe("dora");
        view.Json.GetProperty("mitigation").GetString().ShouldBe("rollback");

        var stream = await app.Scenario(s => s.Get.Url($"/api/v1/streams/incident-{id}/events").StatusCodeShouldBe(200));
        var events = stream.Json.GetProperty("events").EnumerateArray().ToList();
        events.Select(e => e.GetProperty("type").GetString()).ShouldBe(
            ["incident_opened", "incident_acknowledged", "incident_assigned", "incident_mitigated", "incident_resolved", "incident_reopened"]);
        events.ShouldAllBe(e => e.GetProperty("data").GetProperty("model").GetString() == "cycle-model");
        events[1].GetProperty("data").GetProperty("acknowledgedBy").GetString().ShouldBe("cycle-oncall");
        events[0].GetProperty("data").GetProperty("openedBy").GetString().ShouldBe("admin");
        events[0].GetProperty("data").GetProperty("severity").GetString().ShouldBe("SEV2");
    }

    [Fact]
    public async Task a_postmortem_follows_resolution_once()
    {
        await app.RegisterModelAsync("pm-model", team: "pm-team");
        var id = await app.OpenIncidentAsync("pm-model");
        var postmortem = new
        {
            summary = "Scores drifted after a holiday", impact = "3% more false declines for 6 hours", rootCause = "Seasonal shift",
            trigger = "Holiday traffic", actionItems = new[] { new { description = "Add holiday slice", type = "detect", owner = "ana" } }, lessons = "Watch holidays",
        };
        await app.Scenario(s => s.Post.Json(postmortem).ToUrl($"/api/v1/incidents/{id}/postmortem").StatusCodeShouldBe(409));
        await app.Scenario(s => s.Post.Json(new { }).ToUrl($"/api/v1/incidents/{id}/resolution").StatusCodeShouldBe(200));
        await app.Scenario(s => s.Post.Json(postmortem).ToUrl($"/api/v1/incidents/{id}/postmortem").StatusCodeShouldBe(200));
        await app.Scenario(s => s.Post.Json(postmortem).ToUrl($"/api/v1/incidents/{id}/postmortem").StatusCodeShouldBe(409));
        var view = await app.Scenario(s => s.Get.Url($"/api/v1/incidents/{id}").StatusCodeShouldBe(200));
        view.Json.GetProperty("postmortem").GetProperty("actionItems")[0].GetProperty("owner").GetString().ShouldBe("ana");
        view.Json.GetProperty("postmortem").GetProperty("publishedBy").GetString().ShouldBe("admin");
    }

    [Fact]
    public async Task a_postmortem_can_add_a_slice_that_appears_in_the_suites_next_revision()
    {
        await app.Scenario(s => s.Post.Json(new
        {
            name = "pm-suite", description = "Fraud standard",
            metrics = new[] { new { name = "auc", threshold = 0.9, direction = "higher" } },
            slices = new[] { new { name = "new-users", metric = "auc", threshold = 0.8 } },
        }).ToUrl("/api/v1/evaluation-suites").StatusCodeShouldBe(201));
        await app.RegisterModelAsync("pm-slice-model", team: "pm-team");
        var id = await app.OpenIncidentAsync("pm-slice-model");
        await app.Scenario(s => s.Post.Json(new { }).ToUrl($"/api/v1/incidents/{id}/resolution").StatusCodeShouldBe(200));

        var body = new
        {
            summary = "Holiday shoppers were declined", impact = "i", rootCause = "r", trigger = "t", actionItems = Array.Empty<object>(), lessons = "l",
            addSlice = new { suite = "pm-suite", name = "holiday-traffic", metric = "auc", threshold = 0.85 },
        };
        var unknownMetric = body with { addSlice = new { suite = "pm-suite", name = "holiday-traffic", metric = "recall", threshold = 0.85 } };
        await app.Scenario(s => s.Post.Json(unknownMetric).ToUrl($"/api/v1/incidents/{id}/postmortem").StatusCodeShouldBe(422));
        var published = await app.Scenario(s => s.Post.Json(body).ToUrl($"/api/v1/incidents/{id}/postmortem").StatusCodeShouldBe(200));
        published.Json.GetProperty("suiteRevision").GetInt32().ShouldBe(2);

        var suite = await app.Scenario(s => s.Get.Url("/api/v1/evaluation-suites/pm-suite").StatusCodeShouldBe(200));
        suite.Json.GetProperty("revision").GetInt32().ShouldBe(2);
        suite.Body.ShouldContain("holiday-traffic");
        var stream = await app.Scenario(s => s.Get.Url("/api/v1/streams/suite-pm-suite/events").StatusCodeShouldBe(200));
        stream.Json.GetProperty("events")[1].GetProperty("data").GetProperty("incidentId").GetString().ShouldBe(id);
    }

    [Fact]
    public async Task postmortem_action_items_are_checked()
    {
        await app.RegisterModelAsync("pm-bad-model", team: "pm-team");
        var id = await app.OpenIncidentAsync("pm-bad-model");
        var result = await app.Scenario(s => s.Post.Json(new
        {
            summary = "s", impact = "i", rootCause = "r", trigger = "t", actionItems = new[] { new { description = "x", type = "wish", owner = "ana" } },
        }).ToUrl($"/api/v1/incidents/{id}/postmortem").StatusCodeShouldBe(400));
        result.Json.GetProperty("errors").TryGetProperty("actionItems[0].type", out _).ShouldBeTrue(result.Body);
    }

    [Theory]
    [InlineData("severity", "SEV5")]
    [InlineData("source", "rumour")]
    [InlineData("category", "bad-luck")]
    public async Task an_unknown_enum_value_is_a_400(string field, string value)
    {
        var body = new Dictionary<string, object> { ["model"] = "any-model", ["severity"] = "SEV2", ["title"] = "t", ["source"] = "alert" };
        body[field] = value;
        await app.Scenario(s => s.Post.Json(body).ToUrl("/api/v1/incidents").StatusCodeShouldBe(400).ShouldBeProblem());
    }

    [Theory]
    [InlineData("title", "")]
    [InlineData("model", "Bad Model")]
    public async Task incident_fields_are_checked(string field, string value)
    {
        var body = new Dictionary<string, object> { ["model"] = "any-model", ["severity"] = "SEV2", ["title"] = "t", ["source"] = "alert" };
        body[field] = value;
        var result = await app.Scenario(s => s.Post.Json(body).ToUrl("/api/v1/incidents").StatusCodeShouldBe(400).ShouldBeProblem());
        result.Json.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue();
    }

    [Fact]
    public async Task severity_and_source_are_required()
    {
        var result = await app.Scenario(s => s.Post.Json(new { model = "any-model", title = "t" }).ToUrl("/api/v1/incidents").StatusCodeShouldBe(400));
        result.Json.GetProperty("errors").TryGetProperty("severity", out _).ShouldBeTrue();
        result.Json.GetProperty("errors").TryGetProperty("source", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task an_incident_on_an_unknown_model_is_422()
    {
        await app.Scenario(s => s.Post.Json(new { model = "ghost-model", severity = "SEV2", title = "t", source = "alert" }).ToUrl("/api/v1/incidents").StatusCodeShouldBe(422));
    }

    [Fact]
    public async Task an_unknown_incident_is_404()
    {
        await app.Scenario(s => s.Get.Url("/api/v1/incidents/inc-nope").StatusCodeShouldBe(404).ShouldBeProblem());
        await app.Scenario(s => s.Post.Json(new { }).ToUrl("/api/v1/incidents/inc-nope/acknowledgement").StatusCodeShouldBe(404).ShouldBeProblem());
    }

    [Fact]
    public async Task contributors_open_incidents_but_only_oncall_works_them_and_viewers_only_read()
    {
        await app.RegisterModelAsync("roles-model", team: "roles-team");
        var contributor = await app.CreatePrincipalAsync("inc-contributor", "contributor");
        var viewer = await app.CreatePrincipalAsync("inc-viewer", "viewer");
        var id = await app.OpenIncidentAsync("roles-model", key: contributor);
        await app.Scenario(s => s.Post.Json(new { }).ToUrl($"/api/v1/incidents/{id}/acknowledgement").As(contributor).StatusCodeShouldBe(403));
        await app.Scenario(s => s.Post.Json(new { model = "roles-model", severity = "SEV2", title = "t", source = "alert" }).ToUrl("/api/v1/incidents").As(viewer).StatusCodeShouldBe(403));
        await app.Scenario(s => s.Get.Url($"/api/v1/incidents/{id}").As(viewer).StatusCodeShouldBe(200));
    }

    [Fact]
    public async Task incidents_are_listed_by_status_team_model_and_severity()
    {
        await app.RegisterModelAsync("list-model", team: "list-team");
        var sev1 = await app.OpenIncidentAsync("list-model", "SEV1");
        var sev4 = await app.OpenIncidentAsync("list-model", "SEV4");
        await app.Scenario(s => s.Post.Json(new { }).ToUrl($"/api/v1/incidents/{sev4}/resolution").StatusCodeShouldBe(200));
        var open = await app.Scenario(s => s.Get.Url("/api/v1/incidents?team=list-team&status=open").StatusCodeShouldBe(200));
        open.Json.EnumerateArray().Select(i => i.GetProperty("id").GetString()).ShouldBe([sev1]);
        var bySeverity = await app.Scenario(s => s.Get.Url("/api/v1/incidents?model=list-model&severity=SEV4").StatusCodeShouldBe(200));
        bySeverity.Json.EnumerateArray().Single().GetProperty("status").GetString().ShouldBe("resolved");
        await app.Scenario(s => s.Get.Url("/api/v1/incidents?severity=SEV9").StatusCodeShouldBe(400));
        await app.Scenario(s => s.Get.Url("/api/v1/incidents?status=sleeping").StatusCodeShouldBe(400));
    }

    [Fact]
    public async Task an_unacknowledged_sev1_escalates_to_the_secondary_exactly_once()
    {
        app.Clock.Reset(GovernanceApp.Start);
        await app.RegisterModelAsync("esc-model", team: "esc-team");
        await app.DefineRotationAsync("esc-team", ["ana", "ben", "cem"]);
        var sev1 = await app.OpenIncidentAsync("esc-model", "SEV1");
        var sev2 = await app.OpenIncidentAsync("esc-model", "SEV2");
        var sev3 = await app.OpenIncidentAsync("esc-model", "SEV3");
        var escalation = app.Services.GetRequiredService<IncidentEscalation>();

        app.Clock.Advance(Duration.FromMinutes(14));
        (await escalation.EscalateOverdueAsync(default)).ShouldNotContain(sev1);

        app.Clock.Advance(Duration.FromMinutes(1));
        await escalation.EscalateOverdueAsync(default);
        await escalation.EscalateOverdueAsync(default);
        app.Clock.Advance(Duration.FromMinutes(20));
        await escalation.EscalateOverdueAsync(default);

        var view = await app.Scenario(s => s.Get.Url($"/api/v1/incidents/{sev1}").StatusCodeShouldBe(200));
        view.Json.GetProperty("assignee").GetString().ShouldBe("ben");
        view.Json.GetProperty("escalated").GetBoolean().ShouldBeTrue();
        var stream = await app.Scenario(s => s.Get.Url($"/api/v1/streams/incident-{sev1}/events").StatusCodeShouldBe(200));
        var escalations = stream.Json.GetProperty("events").EnumerateArray().Where(e => e.GetProperty("type").GetString() == "incident_escalated").ToList();
        escalations.Count.ShouldBe(1);
        escalations[0].GetProperty("data").GetProperty("from").GetString().ShouldBe("ana");
        escalations[0].GetProperty("data").GetProperty("to").GetString().ShouldBe("ben");
        escalations[0].GetProperty("data").GetProperty("escalatedAt").GetString().ShouldBe("2026-11-23T09:15:00Z");
        escalations[0].GetProperty("metadata").GetProperty("actor").GetString().ShouldBe("system");

        (await app.Scenario(s => s.Get.Url($"/api/v1/incidents/{sev2}").StatusCodeShouldBe(200))).Json.GetProperty("escalated").GetBoolean().ShouldBeTrue();
        (await app.Scenario(s => s.Get.Url($"/api/v1/incidents/{sev3}").StatusCodeShouldBe(200))).Json.GetProperty("escalated").GetBoolean().ShouldBeFalse();
        app.Clock.Reset(GovernanceApp.Start);
    }

    [Fact]
    public async Task an_acknowledged_incident_does_not_escalate()
    {
        app.Clock.Reset(GovernanceApp.Start);
        await app.RegisterModelAsync("acked-model", team: "acked-team");
        var id = await app.OpenIncidentAsync("acked-model", "SEV1");
        await app.Scenario(s => s.Post.Json(new { }).ToUrl($"/api/v1/incidents/{id}/acknowledgement").StatusCodeShouldBe(200));
        app.Clock.Advance(Duration.FromHours(1));
        (await app.Services.GetRequiredService<IncidentEscalation>().EscalateOverdueAsync(default)).ShouldNotContain(id);
        app.Clock.Reset(GovernanceApp.Start);
    }

    [Fact]
    public async Task a_teams_escalation_policy_sets_the_ack_deadline_and_a_reopening_gets_as_long_again()
    {
        app.Clock.Reset(GovernanceApp.Start);
        await app.RegisterModelAsync("policy-model", team: "policy-team");
        await app.EnsureOnCallAsync("ana", "ben");
        var defined = await app.Scenario(s =>
        {
            s.Put.Json(new
            {
                timeZone = "Europe/Berlin", handoffDay = "Monday", handoffTime = "10:00", shiftLength = "P7D", members = new[] { "ana", "ben" },
                startsOn = "2026-11-23", ackDeadlines = new Dictionary<string, string> { ["SEV1"] = "PT5M", ["SEV3"] = "PT2H" },
            }).ToUrl("/api/v1/teams/policy-team/rotation");
            s.StatusCodeShouldBe(200);
        });
        defined.Json.GetProperty("ackDeadlines").GetProperty("SEV1").GetString().ShouldBe("PT5M");

        var sev1 = await app.OpenIncidentAsync("policy-model", "SEV1");
        var sev2 = await app.OpenIncidentAsync("policy-model", "SEV2");
        var sev3 = await app.OpenIncidentAsync("policy-model", "SEV3");
        string? Deadline(IScenarioResult view) => view.Json.GetProperty("ackDeadline").GetString();
        Deadline(await app.Scenario(s => s.Get.Url($"/api/v1/incidents/{sev1}").StatusCodeShouldBe(200))).ShouldBe("2026-11-23T09:05:00Z");
        Deadline(await app.Scenario(s => s.Get.Url($"/api/v1/incidents/{sev2}").StatusCodeShouldBe(200))).ShouldBe("2026-11-23T09:30:00Z"); // the default
        Deadline(await app.Scenario(s => s.Get.Url($"/api/v1/incidents/{sev3}").StatusCodeShouldBe(200))).ShouldBe("2026-11-23T11:00:00Z"); // SEV3 escalates here

        var escalation = app.Services.GetRequiredService<IncidentEscalation>();
        app.Clock.Advance(Duration.FromMinutes(5));
        (await escalation.EscalateOverdueAsync(default)).ShouldContain(sev1);

        await app.Scenario(s => s.Post.Json(new { }).ToUrl($"/api/v1/incidents/{sev1}/resolution").StatusCodeShouldBe(200));
        app.Clock.Advance(Duration.FromMinutes(10));
        await app.Scenario(s => s.Post.Json(new { reason = "It came back" }).ToUrl($"/api/v1/incidents/{sev1}/reopening").StatusCodeShouldBe(200));
        Deadline(await app.Scenario(s => s.Get.Url($"/api/v1/incidents/{sev1}").StatusCodeShouldBe(200))).ShouldBe("2026-11-23T09:20:00Z");
        app.Clock.Reset(GovernanceApp.Start);
    }

    [Theory]
    [InlineData("SEV9", "PT5M", "ackDeadlines[SEV9]")]
    [InlineData("SEV1", "soon", "ackDeadlines[SEV1]")]
    [InlineData("SEV1", "PT10S", "ackDeadlines[SEV1]")]
    [InlineData("SEV2", "P2D", "ackDeadlines[SEV2]")]
    public async Task an_escalation_policy_names_severities_and_sensible_durations(string severity, string deadline, string field)
    {
        var before = await app.EventCountAsync();
        var result = await app.Scenario(s =>
        {
            s.Put.Json(new
            {
                timeZone = "UTC", handoffDay = "Monday", handoffTime = "10:00", shiftLength = "P7D", members = new[] { "ana" },
                startsOn = "2026-11-23", ackDeadlines = new Dictionary<string, string> { [severity] = deadline },
            }).ToUrl("/api/v1/teams/bad-policy-team/rotation");
            s.StatusCodeShouldBe(400);
            s.ShouldBeProblem();
        });
        result.Json.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(result.Body);
        (await app.EventCountAsync()).ShouldBe(before);
    }
}
