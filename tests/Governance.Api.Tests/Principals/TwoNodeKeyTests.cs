using Governance.Api.Tests.Harness;

namespace Governance.Api.Tests.Principals;

/// <summary>A revocation or a change of roles made on one node holds on every node from its next request.</summary>
public sealed class TwoNodeKeyTests(GovernanceApp app) : IClassFixture<GovernanceApp>
{
    [Fact]
    public async Task a_key_revoked_on_one_node_is_refused_by_another_on_its_next_request()
    {
        var key = await app.CreatePrincipalAsync("node-kim", "viewer");
        await using var other = GovernanceNode.Beside(app);
        using var client = other.Client(key);

        // The other node has just accepted the key (whatever it may remember of it)…
        (await client.GetAsync("/api/v1/principals/me")).StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);
        var me = await app.Scenario(s => s.Get.Url("/api/v1/principals/me").As(key).StatusCodeShouldBe(200));
        var keyId = me.Json.GetProperty("keys")[0].GetProperty("keyId").GetString();

        await app.Scenario(s => s.Delete.Url($"/api/v1/principals/node-kim/keys/{keyId}").StatusCodeShouldBe(204));

        // …and refuses it on the very next request.
        (await client.GetAsync("/api/v1/principals/me")).StatusCode.ShouldBe(System.Net.HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task a_change_of_roles_on_one_node_holds_on_another_on_its_next_request()
    {
        var key = await app.CreatePrincipalAsync("node-lou", "admin");
        await using var other = GovernanceNode.Beside(app);
        using var client = other.Client(key);
        (await client.GetAsync("/api/v1/principals/node-lou")).StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);

        await app.Scenario(s => s.Put.Json(new { roles = new[] { "viewer" } }).ToUrl("/api/v1/principals/node-lou/roles").StatusCodeShouldBe(200));

        (await client.GetAsync("/api/v1/principals/node-lou")).StatusCode.ShouldBe(System.Net.HttpStatusCode.Forbidden);
    }
}
