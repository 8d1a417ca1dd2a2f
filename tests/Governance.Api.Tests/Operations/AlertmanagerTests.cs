using System.Text.Json;
using Governance.Api.Tests.Harness;
using Governance.Api.Tests.Registry;

namespace Governance.Api.Tests.Operations;

/// <summary>POST /alerts/alertmanager with Alertmanager's version-4 notification, and severity words on POST /alerts.</summary>
public sealed class AlertmanagerTests(GovernanceApp app) : IClassFixture<GovernanceApp>
{
    // A notification as Alertmanager sends it (alertmanager/notify/webhook: Message), fields the service ignores included.
    private static string Notification(string status, params (string Status, string Fingerprint, string Labels, string Annotations)[] alerts) => $$"""
        {
          "receiver": "governance", "status": "{{status}}", "version": "4", "groupKey": "{}:{alertname=\"x\"}", "truncatedAlerts": 0,
          "groupLabels": { "alertname": "x" }, "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://alertmanager:9093",
          "alerts": [{{string.Join(",", alerts.Select(a => $$"""
            { "status": "{{a.Status}}", "labels": {{{a.Labels}}}, "annotations": {{{a.Annotations}}},
              "startsAt": "2026-11-23T09:00:00.123456789Z", "endsAt": "0001-01-01T00:00:00Z",
              "generatorURL": "http://prometheus:9090/graph?g0.expr=up", "fingerprint": "{{a.Fingerprint}}" }
            """))}}]
        }
        """;

    private async Task EnsureModelAsync(string key)
    {
        if ((await app.Scenario(s => s.Get.Url($"/api/v1/models/{key}").IgnoreStatusCode())).Context.Response.StatusCode == 404)
        {
            await app.RegisterModelAsync(key);
        }
    }

    private Task<IScenarioResult> NotifyAsync(string body, int status = 200) =>
        app.Scenario(s => s.Post.Text(body, "application/json").ToUrl("/api/v1/alerts/alertmanager").StatusCodeShouldBe(status));

    private static (int Fired, int Repeated, int Resolved, int Skipped) Counts(JsonElement json) =>
        (json.GetProperty("fired").GetInt32(), json.GetProperty("repeated").GetInt32(), json.GetProperty("resolved").GetInt32(), json.GetProperty("skipped").GetInt32());

    [Fact]
    public async Task an_alert_fires_repeats_while_open_and_resolves_and_one_without_a_registered_model_is_skipped()
    {
        await app.RegisterModelAsync("am-model", team: "am-team");
        var firing = ("firing", "a1b2c3d4e5f60001", "\"alertname\": \"FeatureDrift\", \"model\": \"am-model\", \"severity\": \"critical\"",
            "\"summary\": \"PSI above 0.2 on income\", \"description\": \"long text\"");
        var noModel = ("firing", "a1b2c3d4e5f60002", "\"alertname\": \"NodeDown\", \"severity\": \"warning\"", "\"summary\": \"node down\"");
        var unknownModel = ("firing", "a1b2c3d4e5f60003", "\"alertname\": \"Drift\", \"model\": \"no-such-model\"", "");

        var first = await NotifyAsync(Notification("firing", firing, noModel, unknownModel));
        Counts(first.Json).ShouldBe((1, 0, 0, 2));
        var outcomes = first.Json.GetProperty("alerts");
        outcomes[0].GetProperty("result").GetString().ShouldBe("fired");
        outcomes[1].GetProperty("reason").GetString()!.ShouldContain("model");
        outcomes[2].GetProperty("reason").GetString().ShouldBe("No model 'no-such-model'.");
        var id = outcomes[0].GetProperty("alertId").GetString()!;
        var alert = await app.Scenario(s => s.Get.Url($"/api/v1/alerts/{id}").StatusCodeShouldBe(200));
        alert.Json.GetProperty("rule").GetString().ShouldBe("FeatureDrift");
        alert.Json.GetProperty("severity").GetString().ShouldBe("SEV2");
        alert.Json.GetProperty("summary").GetString().ShouldBe("PSI above 0.2 on income");
        alert.Json.GetProperty("team").GetString().ShouldBe("am-team");

        var again = await NotifyAsync(Notification("firing", firing));
        Counts(again.Json).ShouldBe((0, 1, 0, 0));
        again.Json.GetProperty("alerts")[0].GetProperty("alertId").GetString().ShouldBe(id);

        var resolved = await NotifyAsync(Notification("resolved", ("resolved", "a1b2c3d4e5f60001", "\"alertname\": \"FeatureDrift\", \"model\": \"am-model\"", "")));
        Counts(resolved.Json).ShouldBe((0, 0, 1, 0));
        (await app.Scenario(s => s.Get.Url($"/api/v1/alerts/{id}").StatusCodeShouldBe(200))).Json.GetProperty("status").GetString().ShouldBe("resolved");

        // Resolved twice (Alertmanager repeats resolved notifications): nothing open, skipped.
        Counts((await NotifyAsync(Notification("resolved", ("resolved", "a1b2c3d4e5f60001", "\"alertname\": \"FeatureDrift\", \"model\": \"am-model\"", "")))).Json)
            .ShouldBe((0, 0, 0, 1));

        // After resolution, the same fingerprint firing again is a new alert.
        var reopened = await NotifyAsync(Notification("firing", firing));
        Counts(reopened.Json).ShouldBe((1, 0, 0, 0));
        reopened.Json.GetProperty("alerts")[0].GetProperty("alertId").GetString().ShouldNotBe(id);
    }

    [Fact]
    public async Task alertmanager_alerts_are_counted_by_the_noise_report_like_any_alert()
    {
        app.Clock.Reset(GovernanceApp.Start);
        await app.RegisterModelAsync("am-noise-model", team: "am-noise-team");
        var labels = "\"alertname\": \"AmNoisyRule\", \"model\": \"am-noise-model\", \"severity\": \"info\"";
        await NotifyAsync(Notification("firing", ("firing", "f001", labels + ", \"instance\": \"a\"", ""), ("firing", "f002", labels + ", \"instance\": \"b\"", "")));
        await NotifyAsync(Notification("firing", ("firing", "f001", labels + ", \"instance\": \"a\"", "")));
        await app.WaitForAlertNoiseAsync();
        var noise = await app.Scenario(s => s.Get.Url("/api/v1/alerts/noise?since=2026-11-23T08:00:00Z").StatusCodeShouldBe(200));
        var rule = noise.Json.EnumerateArray().Single(r => r.GetProperty("rule").GetString() == "AmNoisyRule");
        rule.GetProperty("fired").GetInt64().ShouldBe(2);
        rule.GetProperty("acknowledged").GetInt64().ShouldBe(0);
    }

    [Theory]
    [InlineData("""{ "status": "firing", "alerts": [] }""", "version")]
    [InlineData("""{ "version": "3", "status": "firing", "alerts": [] }""", "version")]
    [InlineData("""{ "version": "4", "status": "firing" }""", "alerts")]
    [InlineData("""{ "version": "4", "status": "firing", "alerts": [{ "status": "pending", "labels": {} }] }""", "alerts[0].status")]
    [InlineData("""{ "version": "4", "alerts": [{ "status": "firing", "labels": { "model": 3 } }] }""", "alerts[0].labels[model]")]
    public async Task a_notification_the_service_cannot_read_is_400_naming_the_field_and_records_nothing(string body, string field)
    {
        await EnsureModelAsync("am-bad-model");
        var before = await app.EventCountAsync();
        var answer = await app.Scenario(s => s.Post.Text(body, "application/json").ToUrl("/api/v1/alerts/alertmanager").StatusCodeShouldBe(400).ShouldBeProblem());
        answer.Json.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(answer.Body);
        (await app.EventCountAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task a_viewer_cannot_send_alerts()
    {
        var viewer = await app.CreatePrincipalAsync("am-viewer", GovernanceApp.Role.Viewer);
        await app.Scenario(s => s.Post.Text(Notification("firing"), "application/json").ToUrl("/api/v1/alerts/alertmanager").As(viewer).StatusCodeShouldBe(403));
    }

    [Theory]
    [InlineData("critical", "SEV2")]
    [InlineData("Warning", "SEV3")]
    [InlineData("error", "SEV3")]
    [InlineData("info", "SEV4")]
    [InlineData("SEV1", "SEV1")]
    [InlineData("sev4", "SEV4")]
    public async Task post_alerts_takes_severity_words_besides_sev1_to_sev4(string word, string severity)
    {
        await EnsureModelAsync("words-model");
        var id = await app.FireAlertAsync("disk", "words-model", severity: word);
        (await app.Scenario(s => s.Get.Url($"/api/v1/alerts/{id}").StatusCodeShouldBe(200))).Json.GetProperty("severity").GetString().ShouldBe(severity);
    }

    [Fact]
    public async Task any_other_severity_on_post_alerts_is_400_naming_the_values()
    {
        await app.RegisterModelAsync("words-bad-model");
        var before = await app.EventCountAsync();
        var answer = await app.Scenario(s => s.Post.Json(new { rule = "disk", model = "words-bad-model", severity = "urgent", summary = "s" }).ToUrl("/api/v1/alerts")
            .StatusCodeShouldBe(400).ShouldBeProblem());
        answer.Json.GetProperty("errors").GetProperty("severity")[0].GetString()
            .ShouldBe("'severity' must be one of: SEV1, SEV2, SEV3, SEV4, critical, error, warning, info.");
        (await app.EventCountAsync()).ShouldBe(before);
    }
}
