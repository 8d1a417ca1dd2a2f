using Governance.Api.Tests.Harness;
using Governance.Api.Tests.Registry;
using NodaTime;

namespace Governance.Api.Tests.Operations;

/// <summary>GET /teams/{team}/shift-report as JSON and Markdown.</summary>
public sealed class ShiftReportTests(GovernanceApp app) : IClassFixture<GovernanceApp>
{
    [Fact]
    public async Task the_report_lists_the_shifts_incidents_and_alerts_in_json_and_markdown()
    {
        app.Clock.Reset(GovernanceApp.Start);
        await app.RegisterModelAsync("report-model", team: "report-team");
        await app.DefineRotationAsync("report-team", ["ana", "ben"], ["sid"]);
        var resolved = await app.OpenIncidentAsync("report-model", "SEV2");
        var open = await app.OpenIncidentAsync("report-model", "SEV1");
        await app.Scenario(s => s.Post.Json(new { }).ToUrl($"/api/v1/incidents/{open}/acknowledgement").StatusCodeShouldBe(200));
        app.Clock.Advance(Duration.FromHours(2));
        await app.Scenario(s => s.Post.Json(new { }).ToUrl($"/api/v1/incidents/{resolved}/resolution").StatusCodeShouldBe(200));
        var alert = await app.FireAlertAsync("psi", "report-model");
        await app.FireAlertAsync("psi", "report-model");
        await app.Scenario(s => s.Post.Json(new { actionable = true }).ToUrl($"/api/v1/alerts/{alert}/acknowledgement").StatusCodeShouldBe(200));

        await app.WaitForAlertNoiseAsync();
        await app.WaitForSloStatusAsync();
        var json = await app.Scenario(s => s.Get.Url("/api/v1/teams/report-team/shift-report?at=2026-11-24T12:00:00Z").StatusCodeShouldBe(200));
        json.Json.GetProperty("primary").GetString().ShouldBe("ana");
        json.Json.GetProperty("shadow").GetString().ShouldBe("sid");
        json.Json.GetProperty("shiftStart").GetString().ShouldBe("2026-11-23T09:00:00Z");
        var incidents = json.Json.GetProperty("incidents");
        incidents.GetProperty("opened").GetArrayLength().ShouldBe(2);
        incidents.GetProperty("acknowledged").EnumerateArray().Single().GetProperty("id").GetString().ShouldBe(open);
        incidents.GetProperty("resolved").EnumerateArray().Single().GetProperty("id").GetString().ShouldBe(resolved);
        incidents.GetProperty("stillOpen").EnumerateArray().Single().GetProperty("id").GetString().ShouldBe(open);
        json.Json.GetProperty("alerts").GetProperty("fired").GetInt64().ShouldBe(2);
        json.Json.GetProperty("alerts").GetProperty("ignored").GetInt64().ShouldBe(1);

        var markdown = await app.Scenario(s => s.Get.Url("/api/v1/teams/report-team/shift-report").WithHeader("Accept", "text/markdown").StatusCodeShouldBe(200));
        markdown.ContentType.ShouldBe("text/markdown");
        markdown.Body.ShouldContain("# Shift report: report-team");
        markdown.Body.ShouldContain("Primary **ana**");
        markdown.Body.ShouldContain($"| {open} | SEV1 | report-model | acknowledged |");
        markdown.Body.ShouldContain("## Alerts: 2 fired, 1 ignored");

        var nextShift = await app.Scenario(s => s.Get.Url("/api/v1/teams/report-team/shift-report?at=2026-12-01T12:00:00Z").StatusCodeShouldBe(200));
        nextShift.Json.GetProperty("incidents").GetProperty("opened").GetArrayLength().ShouldBe(0);
        nextShift.Json.GetProperty("incidents").GetProperty("stillOpen").GetArrayLength().ShouldBe(1);
        app.Clock.Reset(GovernanceApp.Start);
    }

    [Fact]
    public async Task a_team_without_a_rotation_has_no_report()
    {
        await app.Scenario(s => s.Get.Url("/api/v1/teams/nobody/shift-report").StatusCodeShouldBe(404).ShouldBeProblem());
        await app.Scenario(s => s.Get.Url("/api/v1/teams/nobody/shift-report?at=never").StatusCodeShouldBe(400));
    }
}
