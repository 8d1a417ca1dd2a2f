using Governance.Api.Tests.Harness;
using Governance.Api.Tests.Registry;
using NodaTime;

namespace Governance.Api.Tests.Operations;

/// <summary>POST /alerts (dedup), acknowledgement, escalation, GET /alerts/noise, and the team queue.</summary>
public sealed class AlertTests(GovernanceApp app) : IClassFixture<GovernanceApp>
{
    [Fact]
    public async Task a_repeat_with_the_same_dedup_key_is_counted_not_reopened()
    {
        await app.RegisterModelAsync("dedup-model", team: "dedup-team");
        var first = await app.FireAlertAsync("psi-drift", "dedup-model", dedupKey: "dedup-model/psi");
        var second = await app.Scenario(s => s.Post.Json(new { rule = "psi-drift", model = "dedup-model", severity = "SEV3", dedupKey = "dedup-model/psi", summary = "again" })
            .ToUrl("/api/v1/alerts").StatusCodeShouldBe(200));
        second.Json.GetProperty("id").GetString().ShouldBe(first);
        second.Json.GetProperty("deduplicated").GetBoolean().ShouldBeTrue();
        second.Json.GetProperty("repeats").GetInt32().ShouldBe(1);
        (await app.FireAlertAsync("psi-drift", "dedup-model", dedupKey: "dedup-model/psi", status: 200)).ShouldBe(first);

        var other = await app.FireAlertAsync("psi-drift", "dedup-model", dedupKey: "dedup-model/other");
        other.ShouldNotBe(first);
        (await app.FireAlertAsync("psi-drift", "dedup-model")).ShouldNotBe(first);

        await app.Scenario(s => s.Post.Json(new { note = "cleared" }).ToUrl($"/api/v1/alerts/{first}/resolution").StatusCodeShouldBe(200));
        (await app.FireAlertAsync("psi-drift", "dedup-model", dedupKey: "dedup-model/psi")).ShouldNotBe(first);

        var alert = await app.Scenario(s => s.Get.Url($"/api/v1/alerts/{first}").StatusCodeShouldBe(200));
        alert.Json.GetProperty("repeats").GetInt32().ShouldBe(2);
        alert.Json.GetProperty("status").GetString().ShouldBe("resolved");
    }

    [Fact]
    public async Task simultaneous_firings_with_one_dedup_key_open_one_alert_and_count_the_rest_as_repeats()
    {
        const int firings = 16;
        await app.RegisterModelAsync("storm-model", team: "storm-team");
        using var start = new SemaphoreSlim(0);
        var requests = Enumerable.Range(0, firings).Select(async i =>
        {
            using var client = app.Client();
            await start.WaitAsync();
            using var response = await client.PostAsync("/api/v1/alerts", new StringContent(
                $"{{\"rule\":\"p99\",\"model\":\"storm-model\",\"severity\":\"SEV3\",\"dedupKey\":\"storm-model/p99\",\"summary\":\"firing {i}\"}}",
                System.Text.Encoding.UTF8, "application/json"));
            using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return ((int)response.StatusCode, body.RootElement.TryGetProperty("id", out var id) ? id.GetString() : null);
        }).ToList();
        start.Release(firings);
        var answers = await Task.WhenAll(requests);

        answers.Count(a => a.Item1 == 201).ShouldBe(1);
        answers.Count(a => a.Item1 == 200).ShouldBe(firings - 1);
        answers.Select(a => a.Item2).Distinct().Count().ShouldBe(1);
        var alert = await app.Scenario(s => s.Get.Url($"/api/v1/alerts/{answers[0].Item2}").StatusCodeShouldBe(200));
        alert.Json.GetProperty("repeats").GetInt32().ShouldBe(firings - 1);
    }

    [Fact]
    public async Task the_noise_report_counts_alerts_not_repeats()
    {
        app.Clock.Reset(GovernanceApp.Start);
        await app.RegisterModelAsync("noise-model", team: "noise-team");
        var oncall = await app.CreatePrincipalAsync("noise-oncall", "oncall");

        // noisy-rule: 5 alerts (one repeated 3 times), 1 actionable, 2 not actionable, 2 never acknowledged: 80% ignored.
        var noisy = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            noisy.Add(await app.FireAlertAsync("noisy-rule", "noise-model", dedupKey: $"noisy-{i}"));
        }

        for (var i = 0; i < 3; i++)
        {
            await app.FireAlertAsync("noisy-rule", "noise-model", dedupKey: "noisy-0", status: 200);
        }

        app.Clock.Advance(Duration.FromMinutes(10));
        await app.Scenario(s => s.Post.Json(new { actionable = true, note = "real" }).ToUrl($"/api/v1/alerts/{noisy[0]}/acknowledgement").As(oncall).StatusCodeShouldBe(200));
        app.Clock.Advance(Duration.FromMinutes(10));
        await app.Scenario(s => s.Post.Json(new { actionable = false }).ToUrl($"/api/v1/alerts/{noisy[1]}/acknowledgement").As(oncall).StatusCodeShouldBe(200));
        await app.Scenario(s => s.Post.Json(new { actionable = false }).ToUrl($"/api/v1/alerts/{noisy[2]}/acknowledgement").As(oncall).StatusCodeShouldBe(200));
        await app.Scenario(s => s.Post.Json(new { actionable = false }).ToUrl($"/api/v1/alerts/{noisy[2]}/acknowledgement").As(oncall).StatusCodeShouldBe(409));

        // useful-rule: 2 alerts, both actionable.
        var useful1 = await app.FireAlertAsync("useful-rule", "noise-model");
        var useful2 = await app.FireAlertAsync("useful-rule", "noise-model");
        await app.Scenario(s => s.Post.Json(new { actionable = true }).ToUrl($"/api/v1/alerts/{useful1}/acknowledgement").As(oncall).StatusCodeShouldBe(200));
        await app.Scenario(s => s.Post.Json(new { severity = "SEV2" }).ToUrl($"/api/v1/alerts/{useful2}/escalation").As(oncall).StatusCodeShouldBe(201));

        await app.WaitForAlertNoiseAsync();
        var noise = await app.Scenario(s => s.Get.Url($"/api/v1/alerts/noise?since=2026-11-23T08:00:00Z").StatusCodeShouldBe(200));
        var rules = noise.Json.EnumerateArray().ToDictionary(r => r.GetProperty("rule").GetString()!);
        rules["noisy-rule"].GetProperty("fired").GetInt64().ShouldBe(5);
        rules["noisy-rule"].GetProperty("acknowledged").GetInt64().ShouldBe(3);
        rules["noisy-rule"].GetProperty("ignoredPercent").GetDouble().ShouldBe(80);
        rules["noisy-rule"].GetProperty("actionablePercent").GetDouble().ShouldBe(20);
        rules["noisy-rule"].GetProperty("medianTimeToAck").GetString().ShouldBe("PT20M");
        rules["noisy-rule"].GetProperty("noisy").GetBoolean().ShouldBeTrue();
        rules["useful-rule"].GetProperty("ignoredPercent").GetDouble().ShouldBe(0);
        rules["useful-rule"].GetProperty("noisy").GetBoolean().ShouldBeFalse();

        var later = await app.Scenario(s => s.Get.Url("/api/v1/alerts/noise?since=2030-01-01T00:00:00Z").StatusCodeShouldBe(200));
        later.Json.GetArrayLength().ShouldBe(0);
        await app.Scenario(s => s.Get.Url("/api/v1/alerts/noise?since=last-week").StatusCodeShouldBe(400));
        app.Clock.Reset(GovernanceApp.Start);
    }

    [Fact]
    public async Task escalating_an_alert_opens_a_routed_incident_once()
    {
        app.Clock.Reset(GovernanceApp.Start);
        await app.RegisterModelAsync("esc-alert-model", team: "esc-alert-team");
        await app.DefineRotationAsync("esc-alert-team", ["ana", "ben"]);
        var alert = await app.FireAlertAsync("latency", "esc-alert-model");
        var incident = await app.Scenario(s => s.Post.Json(new { severity = "SEV1" }).ToUrl($"/api/v1/alerts/{alert}/escalation").StatusCodeShouldBe(201));
        var id = incident.Json.GetProperty("id").GetString();
        incident.Json.GetProperty("assignee").GetString().ShouldBe("ana");
        incident.Header("Location").ShouldBe($"/api/v1/incidents/{id}");
        var view = await app.Scenario(s => s.Get.Url($"/api/v1/incidents/{id}").StatusCodeShouldBe(200));
        view.Json.GetProperty("source").GetString().ShouldBe("alert");
        view.Json.GetProperty("severity").GetString().ShouldBe("SEV1");
        await app.Scenario(s => s.Post.Json(new { severity = "SEV1" }).ToUrl($"/api/v1/alerts/{alert}/escalation").StatusCodeShouldBe(409));
        await app.Scenario(s => s.Post.Json(new { severity = "SEV1" }).ToUrl("/api/v1/alerts/alr-none/escalation").StatusCodeShouldBe(404));
        await app.Scenario(s => s.Post.Json(new { severity = "SEV7" }).ToUrl($"/api/v1/alerts/{alert}/escalation").StatusCodeShouldBe(400));
    }

    [Theory]
    [InlineData("rule", "")]
    [InlineData("model", "Not A Slug")]
    [InlineData("summary", "")]
    public async Task alert_fields_are_checked(string field, string value)
    {
        var body = new Dictionary<string, object> { ["rule"] = "r", ["model"] = "any-model", ["severity"] = "SEV3", ["summary"] = "s" };
        body[field] = value;
        var result = await app.Scenario(s => s.Post.Json(body).ToUrl("/api/v1/alerts").StatusCodeShouldBe(400).ShouldBeProblem());
        result.Json.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue();
    }

    [Fact]
    public async Task an_acknowledgement_must_say_whether_it_was_actionable()
    {
        await app.RegisterModelAsync("ack-model", team: "ack-team");
        var id = await app.FireAlertAsync("r1", "ack-model");
        var result = await app.Scenario(s => s.Post.Json(new { note = "hm" }).ToUrl($"/api/v1/alerts/{id}/acknowledgement").StatusCodeShouldBe(400));
        result.Json.GetProperty("errors").TryGetProperty("actionable", out _).ShouldBeTrue();
        await app.Scenario(s => s.Post.Json(new { actionable = true }).ToUrl("/api/v1/alerts/alr-none/acknowledgement").StatusCodeShouldBe(404));
    }

    [Fact]
    public async Task an_alert_on_an_unknown_model_is_422_and_viewers_cannot_fire()
    {
        await app.Scenario(s => s.Post.Json(new { rule = "r", model = "ghost-model", severity = "SEV3", summary = "s" }).ToUrl("/api/v1/alerts").StatusCodeShouldBe(422));
        var viewer = await app.CreatePrincipalAsync("alert-viewer", "viewer");
        var contributor = await app.CreatePrincipalAsync("alert-contributor", "contributor");
        await app.RegisterModelAsync("perm-model", team: "perm-team");
        await app.Scenario(s => s.Post.Json(new { rule = "r", model = "perm-model", severity = "SEV3", summary = "s" }).ToUrl("/api/v1/alerts").As(viewer).StatusCodeShouldBe(403));
        var id = (await app.Scenario(s => s.Post.Json(new { rule = "r", model = "perm-model", severity = "SEV3", summary = "s" }).ToUrl("/api/v1/alerts").As(contributor).StatusCodeShouldBe(201)))
            .Json.GetProperty("id").GetString();
        await app.Scenario(s => s.Post.Json(new { actionable = true }).ToUrl($"/api/v1/alerts/{id}/acknowledgement").As(contributor).StatusCodeShouldBe(403));
        await app.Scenario(s => s.Get.Url("/api/v1/alerts/noise").As(viewer).StatusCodeShouldBe(200));
    }

    [Fact]
    public async Task the_queue_lists_open_incidents_and_unacknowledged_alerts_by_severity_then_age()
    {
        app.Clock.Reset(GovernanceApp.Start);
        await app.RegisterModelAsync("queue-model", team: "queue-team");
        await app.DefineRotationAsync("queue-team", ["ana", "ben"]);
        var oldSev3 = await app.OpenIncidentAsync("queue-model", "SEV3");
        app.Clock.Advance(Duration.FromMinutes(5));
        var sev2 = await app.OpenIncidentAsync("queue-model", "SEV2");
        var alertSev3 = await app.FireAlertAsync("q-rule", "queue-model");
        var ackedAlert = await app.FireAlertAsync("q-rule", "queue-model");
        await app.Scenario(s => s.Post.Json(new { actionable = false }).ToUrl($"/api/v1/alerts/{ackedAlert}/acknowledgement").StatusCodeShouldBe(200));
        app.Clock.Advance(Duration.FromMinutes(5));
        var sev1 = await app.OpenIncidentAsync("queue-model", "SEV1");
        await app.Scenario(s => s.Post.Json(new { }).ToUrl($"/api/v1/incidents/{sev1}/acknowledgement").StatusCodeShouldBe(200));
        var resolved = await app.OpenIncidentAsync("queue-model", "SEV1");
        await app.Scenario(s => s.Post.Json(new { }).ToUrl($"/api/v1/incidents/{resolved}/resolution").StatusCodeShouldBe(200));

        app.Clock.Advance(Duration.FromMinutes(30));
        var queue = await app.Scenario(s => s.Get.Url("/api/v1/teams/queue-team/queue").StatusCodeShouldBe(200));
        var items = queue.Json.GetProperty("items").EnumerateArray().ToList();
        items.Select(i => i.GetProperty("id").GetString()).ShouldBe([sev1, sev2, oldSev3, alertSev3]);
        items[0].GetProperty("overdue").GetBoolean().ShouldBeFalse(); // acknowledged in time
        items[1].GetProperty("overdue").GetBoolean().ShouldBeTrue();  // SEV2, 35 minutes without an acknowledgement
        items[1].GetProperty("ackDeadline").GetString().ShouldBe("2026-11-23T09:35:00Z");
        items[1].GetProperty("assignee").GetString().ShouldBe("ana");
        items[1].GetProperty("age").GetString().ShouldBe("PT35M");
        items[2].GetProperty("overdue").GetBoolean().ShouldBeFalse(); // SEV3 has no deadline
        items[3].GetProperty("kind").GetString().ShouldBe("alert");
        app.Clock.Reset(GovernanceApp.Start);
    }

    [Fact]
    public async Task an_alert_is_due_by_the_owning_teams_escalation_policy()
    {
        app.Clock.Reset(GovernanceApp.Start);
        await app.RegisterModelAsync("alert-policy-model", team: "alert-policy-team");
        await app.EnsureOnCallAsync("ana");
        await app.Scenario(s => s.Put.Json(new
        {
            timeZone = "UTC", handoffDay = "Monday", handoffTime = "09:00", shiftLength = "P7D", members = new[] { "ana" }, startsOn = "2026-11-23",
            ackDeadlines = new Dictionary<string, string> { ["SEV3"] = "PT1H" },
        }).ToUrl("/api/v1/teams/alert-policy-team/rotation").StatusCodeShouldBe(200));
        var sev3 = await app.FireAlertAsync("policy-rule", "alert-policy-model");
        var sev4 = await app.FireAlertAsync("policy-rule-4", "alert-policy-model", severity: "SEV4");

        var queue = await app.Scenario(s => s.Get.Url("/api/v1/teams/alert-policy-team/queue").StatusCodeShouldBe(200));
        var items = queue.Json.GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("id").GetString()!);
        items[sev3].GetProperty("ackDeadline").GetString().ShouldBe("2026-11-23T10:00:00Z");
        // SEV4: neither the policy nor the defaults set a deadline, so it is never due.
        (!items[sev4].TryGetProperty("ackDeadline", out var none) || none.ValueKind == System.Text.Json.JsonValueKind.Null).ShouldBeTrue();
        app.Clock.Reset(GovernanceApp.Start);
    }
}
