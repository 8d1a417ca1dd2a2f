using Governance.Api.Tests.Harness;
using Governance.Api.Tests.Registry;

namespace Governance.Api.Tests.Operations;

/// <summary>Only principals who can act (oncall or admin) go on a rotation, into an override, or get paged.</summary>
public sealed class RotationMembershipTests(GovernanceApp app) : IClassFixture<GovernanceApp>
{
    private static object Body(string[] members, string[]? shadows = null) =>
        new { timeZone = "Europe/Berlin", handoffDay = "Monday", handoffTime = "10:00", shiftLength = "P7D", members, shadows = shadows ?? [], startsOn = "2026-11-23" };

    [Fact]
    public async Task unknown_names_and_viewers_are_refused_with_422_naming_each_and_nothing_is_appended()
    {
        await app.CreatePrincipalAsync("rm-olga", GovernanceApp.Role.OnCall);
        await app.CreatePrincipalAsync("rm-vic", GovernanceApp.Role.Viewer);
        await app.CreatePrincipalAsync("rm-amy", GovernanceApp.Role.Approver);
        var before = await app.EventCountAsync();

        var refused = await app.Scenario(s => s.Put.Json(Body(["rm-olga", "rm-ghost", "rm-vic"], ["rm-amy"]))
            .ToUrl("/api/v1/teams/rm-team/rotation").StatusCodeShouldBe(422).ShouldBeProblem());
        var errors = refused.Json.GetProperty("errors");
        errors.EnumerateObject().Select(e => e.Name).Order().ShouldBe(["members[1]", "members[2]", "shadows[0]"]);
        errors.GetProperty("members[1]")[0].GetString().ShouldBe("'rm-ghost' is not a principal; create it with the oncall role first.");
        errors.GetProperty("members[2]")[0].GetString()!.ShouldStartWith("'rm-vic' has the role viewer, not oncall or admin");
        errors.GetProperty("shadows[0]")[0].GetString()!.ShouldStartWith("'rm-amy' has the role approver, not oncall or admin");
        refused.Json.GetProperty("detail").GetString()!.ShouldStartWith("Only principals with the oncall or admin role can be on call:");
        (await app.EventCountAsync()).ShouldBe(before);
        await app.Scenario(s => s.Get.Url("/api/v1/teams/rm-team/oncall").StatusCodeShouldBe(404));
    }

    [Fact]
    public async Task oncall_and_admin_principals_are_accepted()
    {
        await app.CreatePrincipalAsync("rm-otto", GovernanceApp.Role.OnCall);
        await app.CreatePrincipalAsync("rm-ada", GovernanceApp.Role.Admin);
        await app.CreatePrincipalAsync("Rm.Pat@corp", GovernanceApp.Role.OnCall);
        await app.Scenario(s => s.Put.Json(Body(["rm-otto", "admin", "Rm.Pat@corp"], ["rm-ada"])).ToUrl("/api/v1/teams/rm-good/rotation").StatusCodeShouldBe(200));
        var onCall = await app.Scenario(s => s.Get.Url("/api/v1/teams/rm-good/oncall").StatusCodeShouldBe(200));
        (onCall.Json.GetProperty("primary").GetString(), onCall.Json.GetProperty("secondary").GetString(), onCall.Json.GetProperty("shadow").GetString())
            .ShouldBe(("rm-otto", "admin", "rm-ada"));
    }

    [Fact]
    public async Task an_override_to_a_viewer_or_an_unknown_name_is_422_and_to_an_oncall_principal_is_201()
    {
        await app.CreatePrincipalAsync("rm-owen", GovernanceApp.Role.OnCall);
        await app.CreatePrincipalAsync("rm-cover", GovernanceApp.Role.OnCall);
        await app.CreatePrincipalAsync("rm-vera", GovernanceApp.Role.Viewer);
        await app.Scenario(s => s.Put.Json(Body(["rm-owen"])).ToUrl("/api/v1/teams/rm-cover-team/rotation").StatusCodeShouldBe(200));
        var before = await app.EventCountAsync();

        foreach (var (member, why) in new[] { ("rm-vera", "'rm-vera' has the role viewer"), ("rm-nobody", "'rm-nobody' is not a principal") })
        {
            var refused = await app.Scenario(s => s.Post.Json(new { member, from = "2026-11-24T00:00:00Z", to = "2026-11-25T00:00:00Z" })
                .ToUrl("/api/v1/teams/rm-cover-team/overrides").StatusCodeShouldBe(422).ShouldBeProblem());
            refused.Json.GetProperty("errors").GetProperty("member")[0].GetString()!.ShouldStartWith(why);
        }

        (await app.EventCountAsync()).ShouldBe(before);
        await app.Scenario(s => s.Post.Json(new { member = "rm-cover", from = "2026-11-24T00:00:00Z", to = "2026-11-25T00:00:00Z" })
            .ToUrl("/api/v1/teams/rm-cover-team/overrides").StatusCodeShouldBe(201));
        var covered = await app.Scenario(s => s.Get.Url("/api/v1/teams/rm-cover-team/oncall?at=2026-11-24T12:00:00Z").StatusCodeShouldBe(200));
        covered.Json.GetProperty("primary").GetString().ShouldBe("rm-cover");
    }

    [Fact]
    public async Task incidents_pass_over_a_member_who_no_longer_holds_the_oncall_role()
    {
        app.Clock.Reset(GovernanceApp.Start);
        await app.RegisterModelAsync("rm-model", team: "rm-route");
        foreach (var name in new[] { "rm-ann", "rm-bea", "rm-cy" })
        {
            await app.CreatePrincipalAsync(name, GovernanceApp.Role.OnCall);
        }

        await app.Scenario(s => s.Put.Json(Body(["rm-ann", "rm-bea", "rm-cy"])).ToUrl("/api/v1/teams/rm-route/rotation").StatusCodeShouldBe(200));
        var before = await app.OpenIncidentAsync("rm-model");
        (await app.Scenario(s => s.Get.Url($"/api/v1/incidents/{before}").StatusCodeShouldBe(200))).Json.GetProperty("assignee").GetString().ShouldBe("rm-ann");

        await TakeAwayOnCallAsync("rm-ann");
        var id = await app.OpenIncidentAsync("rm-model");
        var incident = await app.Scenario(s => s.Get.Url($"/api/v1/incidents/{id}").StatusCodeShouldBe(200));
        incident.Json.GetProperty("assignee").GetString().ShouldBe("rm-bea");
        var now = await app.Scenario(s => s.Get.Url("/api/v1/teams/rm-route/oncall").StatusCodeShouldBe(200));
        (now.Json.GetProperty("primary").GetString(), now.Json.GetProperty("secondary").GetString()).ShouldBe(("rm-bea", "rm-cy"));

        await TakeAwayOnCallAsync("rm-bea");
        await TakeAwayOnCallAsync("rm-cy");
        var nobody = await app.Scenario(s => s.Get.Url("/api/v1/teams/rm-route/oncall").StatusCodeShouldBe(404).ShouldBeProblem());
        nobody.Json.GetProperty("detail").GetString()!.ShouldContain("nobody on its rotation holds the oncall role any more");
        var orphan = await app.OpenIncidentAsync("rm-model");
        var unassigned = await app.Scenario(s => s.Get.Url($"/api/v1/incidents/{orphan}").StatusCodeShouldBe(200));
        unassigned.Json.TryGetProperty("assignee", out _).ShouldBeFalse();
    }

    private Task<IScenarioResult> TakeAwayOnCallAsync(string name) =>
        app.Scenario(s => s.Put.Json(new { roles = new[] { "viewer" } }).ToUrl($"/api/v1/principals/{name}/roles").StatusCodeShouldBe(200));
}
