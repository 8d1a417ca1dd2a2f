using Governance.Api.Tests.Harness;

namespace Governance.Api.Tests.Operations;

/// <summary>PUT /teams/{team}/rotation, POST /teams/{team}/overrides, GET /teams/{team}/oncall over HTTP.</summary>
public sealed class RotationTests(GovernanceApp app) : IClassFixture<GovernanceApp>
{
    [Fact]
    public async Task a_defined_rotation_answers_who_is_on_call_across_the_spring_change()
    {
        var defined = await app.DefineRotationAsync("spring-team", ["ana", "ben", "cem"], ["dan"], startsOn: "2026-03-16");
        defined.Json.GetProperty("firstShiftStart").GetString().ShouldBe("2026-03-16T09:00:00Z");
        defined.Json.GetProperty("handoffDay").GetString().ShouldBe("Monday");
        defined.Json.GetProperty("shiftLength").GetString().ShouldBe("P7D");

        var onCall = await app.Scenario(s => s.Get.Url("/api/v1/teams/spring-team/oncall?at=2026-03-29T12:00:00Z").StatusCodeShouldBe(200));
        onCall.Json.GetProperty("primary").GetString().ShouldBe("ben");
        onCall.Json.GetProperty("secondary").GetString().ShouldBe("cem");
        onCall.Json.GetProperty("shadow").GetString().ShouldBe("dan");
        onCall.Json.GetProperty("shiftStart").GetString().ShouldBe("2026-03-23T09:00:00Z");
        onCall.Json.GetProperty("shiftEnd").GetString().ShouldBe("2026-03-30T08:00:00Z");
    }

    [Fact]
    public async Task without_at_the_answer_is_for_now()
    {
        await app.DefineRotationAsync("now-team", ["ana", "ben"]);
        app.Clock.Reset(GovernanceApp.Start.Plus(NodaTime.Duration.FromDays(8)));
        var onCall = await app.Scenario(s => s.Get.Url("/api/v1/teams/now-team/oncall").StatusCodeShouldBe(200));
        onCall.Json.GetProperty("primary").GetString().ShouldBe("ben");
        onCall.Json.GetProperty("shiftStart").GetString().ShouldBe("2026-11-30T09:00:00Z");
        app.Clock.Reset(GovernanceApp.Start);
    }

    [Fact]
    public async Task an_override_covers_the_primary_for_its_span()
    {
        await app.DefineRotationAsync("override-team", ["ana", "ben"], timeZone: "America/New_York", handoffTime: "09:00", startsOn: "2026-10-26");
        await app.EnsureOnCallAsync("eve");
        await app.Scenario(s =>
        {
            s.Post.Json(new { member = "eve", from = "2026-11-02T00:00:00Z", to = "2026-11-03T00:00:00Z" }).ToUrl("/api/v1/teams/override-team/overrides");
            s.StatusCodeShouldBe(201);
        });
        var covered = await app.Scenario(s => s.Get.Url("/api/v1/teams/override-team/oncall?at=2026-11-02T12:00:00Z").StatusCodeShouldBe(200));
        covered.Json.GetProperty("primary").GetString().ShouldBe("eve");
        covered.Json.GetProperty("override").GetProperty("member").GetString().ShouldBe("eve");

        // 09:00 New York is 13:00Z before the November change and 14:00Z after it.
        covered.Json.GetProperty("shiftStart").GetString().ShouldBe("2026-10-26T13:00:00Z");
        covered.Json.GetProperty("shiftEnd").GetString().ShouldBe("2026-11-02T14:00:00Z");
        var after = await app.Scenario(s => s.Get.Url("/api/v1/teams/override-team/oncall?at=2026-11-03T15:00:00Z").StatusCodeShouldBe(200));
        after.Json.GetProperty("primary").GetString().ShouldBe("ben");
    }

    [Theory]
    [InlineData("timeZone", "Europe/Atlantis")]
    [InlineData("handoffDay", "Someday")]
    [InlineData("handoffTime", "25:00")]
    [InlineData("shiftLength", "P1M")]
    [InlineData("startsOn", "2026-13-01")]
    public async Task every_rotation_field_is_checked(string field, string value)
    {
        var body = new Dictionary<string, object>
        {
            ["timeZone"] = "Europe/Berlin", ["handoffDay"] = "Monday", ["handoffTime"] = "10:00", ["shiftLength"] = "P7D",
            ["members"] = new[] { "ana" }, ["shadows"] = Array.Empty<string>(), ["startsOn"] = "2026-11-23",
        };
        body[field] = value;
        var result = await app.Scenario(s => s.Put.Json(body).ToUrl("/api/v1/teams/bad-team/rotation").StatusCodeShouldBe(400).ShouldBeProblem());
        result.Json.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue();
    }

    [Fact]
    public async Task a_rotation_needs_members()
    {
        var result = await app.Scenario(s => s.Put.Json(new { timeZone = "UTC", handoffDay = "Monday", handoffTime = "10:00", shiftLength = "P7D", members = Array.Empty<string>(), startsOn = "2026-11-23" })
            .ToUrl("/api/v1/teams/empty-team/rotation").StatusCodeShouldBe(400));
        result.Json.GetProperty("errors").TryGetProperty("members", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task an_override_must_end_after_it_starts()
    {
        await app.DefineRotationAsync("backwards-team", ["ana"]);
        var result = await app.Scenario(s => s.Post.Json(new { member = "eve", from = "2026-11-03T00:00:00Z", to = "2026-11-02T00:00:00Z" })
            .ToUrl("/api/v1/teams/backwards-team/overrides").StatusCodeShouldBe(400));
        result.Json.GetProperty("errors").TryGetProperty("to", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task a_team_without_a_rotation_is_404()
    {
        await app.Scenario(s => s.Get.Url("/api/v1/teams/no-rotation/oncall").StatusCodeShouldBe(404).ShouldBeProblem());
        await app.Scenario(s => s.Post.Json(new { member = "eve", from = "2026-11-02T00:00:00Z", to = "2026-11-03T00:00:00Z" })
            .ToUrl("/api/v1/teams/no-rotation/overrides").StatusCodeShouldBe(404).ShouldBeProblem());
    }

    [Fact]
    public async Task before_the_first_shift_nobody_is_on_call()
    {
        await app.DefineRotationAsync("future-team", ["ana"], startsOn: "2027-01-04");
        await app.Scenario(s => s.Get.Url("/api/v1/teams/future-team/oncall?at=2026-12-01T00:00:00Z").StatusCodeShouldBe(404));
    }

    [Fact]
    public async Task a_malformed_at_is_400()
    {
        await app.DefineRotationAsync("at-team", ["ana"]);
        var result = await app.Scenario(s => s.Get.Url("/api/v1/teams/at-team/oncall?at=yesterday").StatusCodeShouldBe(400));
        result.Json.GetProperty("errors").TryGetProperty("at", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task a_viewer_can_look_but_not_define()
    {
        var viewer = await app.CreatePrincipalAsync("rotation-viewer", "viewer");
        await app.Scenario(s => s.Put.Json(new { timeZone = "UTC", handoffDay = "Monday", handoffTime = "10:00", shiftLength = "P7D", members = new[] { "ana" }, startsOn = "2026-11-23" })
            .ToUrl("/api/v1/teams/viewer-team/rotation").As(viewer).StatusCodeShouldBe(403));
        await app.DefineRotationAsync("viewer-team", ["ana"]);
        await app.Scenario(s => s.Get.Url("/api/v1/teams/viewer-team/oncall").As(viewer).StatusCodeShouldBe(200));
    }
}
