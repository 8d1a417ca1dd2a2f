using Governance.Api.Tests.Harness;
using Governance.Api.Tests.Promotions;

namespace Governance.Api.Tests.Operations;

/// <summary>The promotion gate reads incidents opened through this slice.</summary>
public sealed class IncidentGateTests(GovernanceApp app) : IClassFixture<GovernanceApp>
{
    [Fact]
    public async Task an_open_incident_blocks_a_promotion_until_it_is_resolved()
    {
        await app.ModelWithVersionsAsync("gated-model", "v1");
        await app.PublishPolicyAsync("gated-model", new { shadow = new { blockOnIncidentSeverity = "SEV2" } });
        var incident = await app.OpenIncidentAsync("gated-model", "SEV1");
        var blocked = await app.RequestAsync("gated-model", "v1", "shadow");
        blocked.Json.GetProperty("status").GetString().ShouldBe("blocked");
        blocked.Body.ShouldContain(incident);

        await app.Scenario(s => s.Post.Json(new { }).ToUrl($"/api/v1/incidents/{incident}/resolution").StatusCodeShouldBe(200));
        var after = await app.RequestAsync("gated-model", "v1", "shadow");
        after.Json.GetProperty("status").GetString().ShouldBe("pending");
    }
}
