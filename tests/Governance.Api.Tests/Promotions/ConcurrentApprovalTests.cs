using Governance.Api.Tests.Harness;

namespace Governance.Api.Tests.Promotions;

/// <summary>Many approvers at once on one promotion: each recorded exactly once, none lost, none doubled.</summary>
public sealed class ConcurrentApprovalTests(GovernanceApp app) : IClassFixture<GovernanceApp>
{
    [Fact]
    public async Task sixty_four_concurrent_approvals_of_one_promotion_record_each_approver_exactly_once()
    {
        const int approvers = 64;
        await app.ModelWithVersionsAsync("race-a", "v1");
        await app.PublishPolicyAsync("race-a", new { shadow = new { requiredApprovals = 100 } });
        var keys = new string[approvers];
        for (var i = 0; i < approvers; i++)
        {
            keys[i] = await app.CreatePrincipalAsync($"race-{i:00}", GovernanceApp.Role.Approver);
        }

        var id = await app.RequestPendingAsync("race-a", "v1", "shadow");
        using var start = new SemaphoreSlim(0);
        var requests = keys.Select(async key =>
        {
            using var client = app.Client(key);
            await start.WaitAsync();
            using var response = await client.PostAsync($"/api/v1/promotions/{id}/approvals",
                new StringContent("{\"comment\":\"ok\"}", System.Text.Encoding.UTF8, "application/json"));
            return (int)response.StatusCode;
        }).ToList();
        start.Release(approvers);
        var statuses = await Task.WhenAll(requests);

        statuses.ShouldAllBe(s => s == 200);
        var view = await app.Scenario(s => s.Get.Url($"/api/v1/promotions/{id}").StatusCodeShouldBe(200));
        var by = view.Json.GetProperty("approvals").EnumerateArray().Select(a => a.GetProperty("by").GetString()!).ToList();
        by.Count.ShouldBe(approvers);
        by.Distinct().Count().ShouldBe(approvers);
        by.ShouldBe(Enumerable.Range(0, approvers).Select(i => $"race-{i:00}"), ignoreOrder: true);

        var listed = await app.Scenario(s => s.Get.Url("/api/v1/promotions?model=race-a").StatusCodeShouldBe(200));
        listed.Json[0].GetProperty("approvedBy").GetArrayLength().ShouldBe(approvers);

        // A second round from the same people changes nothing: every one is a 409.
        var again = await Task.WhenAll(keys.Take(8).Select(async key =>
        {
            using var client = app.Client(key);
            using var response = await client.PostAsync($"/api/v1/promotions/{id}/approvals",
                new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
            return (int)response.StatusCode;
        }));
        again.ShouldAllBe(s => s == 409);
    }
}
