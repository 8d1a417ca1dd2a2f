using Governance.Web.Tests.Harness;
using Microsoft.Playwright;

namespace Governance.Web.Tests;

[Collection(WebCollection.Name)]
public sealed class PromotionPageTests(WebApp app)
{
    [Fact]
    public async Task an_approver_sees_a_pending_promotion_in_the_inbox_with_its_gates_and_progress_and_approves_it_with_a_comment()
    {
        var (id, version) = await app.PendingPromotionAsync();
        var page = await app.SignedInAsync("alex");

        await page.GotoAsync("/inbox");
        var card = page.Locator("article.promotion", new() { Has = page.GetByRole(AriaRole.Link, new() { Name = $"churn {version} → staging" }) });
        (await card.InnerTextAsync()).ShouldContain("0 of 2 approvals");
        (await card.Locator("table.gates").InnerTextAsync()).ShouldContain("passed");
        (await card.InnerTextAsync()).ShouldContain("keeps recall on new subscribers");
        (await page.GetByRole(AriaRole.Link, new() { Name = "Inbox" }).InnerTextAsync()).ShouldNotContain("Inbox 0");
        (await card.Locator("time").First.InnerTextAsync()).ShouldContain("CET", Case.Sensitive);
        await WebApp.ScreenshotAsync(page, "inbox");

        await card.GetByLabel("Comment (optional)").FillAsync("Recall holds on the new-subscriber slice.");
        await card.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();

        (await page.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe($"You approved promotion {id}.");
        (await page.GetByRole(AriaRole.Link, new() { Name = $"churn {version} → staging" }).CountAsync()).ShouldBe(0);

        await page.GotoAsync($"/promotions/{id}");
        var body = await page.Locator("main").InnerTextAsync();
        body.ShouldContain("1 of 2 approvals");
        body.ShouldContain("alex approved");
        body.ShouldContain("Recall holds on the new-subscriber slice.");
        body.ShouldContain("Promotion approved by alex");
        var promotion = await app.SendAsync("admin", "GET", $"/api/v1/promotions/{id}");
        promotion.GetProperty("approvals")[0].GetProperty("by").GetString().ShouldBe("alex");
        promotion.GetProperty("approvals")[0].GetProperty("comment").GetString().ShouldBe("Recall holds on the new-subscriber slice.");
        await WebApp.ScreenshotAsync(page, "promotion");
    }

    [Fact]
    public async Task the_requester_cannot_approve_their_own_promotion_and_the_page_says_why()
    {
        var (id, _) = await app.PendingPromotionAsync();
        var page = await app.SignedInAsync("rita");

        await page.GotoAsync($"/promotions/{id}");
        await page.GetByLabel("Comment (optional)").FillAsync("My own work, trust me.");
        var response = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync(), r => r.Request.Method == "POST");

        response.Status.ShouldBe(403);
        (await page.GetByRole(AriaRole.Alert).InnerTextAsync())
            .ShouldBe("You requested this promotion; someone else must approve it (separation of duties).");
        (await page.GetByLabel("Comment (optional)").InputValueAsync()).ShouldBe("My own work, trust me.");
        (await app.SendAsync("admin", "GET", $"/api/v1/promotions/{id}")).GetProperty("approvals").GetArrayLength().ShouldBe(0);
        await WebApp.ScreenshotAsync(page, "promotion-self-approval");
    }

    [Fact]
    public async Task a_rejection_needs_a_reason_and_works_with_scripts_off()
    {
        var (id, _) = await app.PendingPromotionAsync();
        var page = await app.SignedInAsync("sam", javaScript: false);
        await page.GotoAsync($"/promotions/{id}");

        await page.GetByRole(AriaRole.Button, new() { Name = "Reject" }).ClickAsync();
        (await page.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldContain("'reason'");
        (await app.SendAsync("admin", "GET", $"/api/v1/promotions/{id}")).GetProperty("status").GetString().ShouldBe("pending");

        await page.GetByLabel("Reason (required)").FillAsync("No evaluation attached; run churn-core first.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Reject" }).ClickAsync();

        (await page.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe($"You rejected promotion {id}.");
        var promotion = await app.SendAsync("admin", "GET", $"/api/v1/promotions/{id}");
        promotion.GetProperty("status").GetString().ShouldBe("rejected");
        promotion.GetProperty("endedBy").GetString().ShouldBe("sam");
        promotion.GetProperty("endReason").GetString().ShouldBe("No evaluation attached; run churn-core first.");
    }

    [Fact]
    public async Task an_approved_promotion_is_deployed_from_its_page()
    {
        var (id, version) = await app.PendingPromotionAsync();
        await app.SendAsync("alex", "POST", $"/api/v1/promotions/{id}/approvals", new { comment = "ok" });
        await app.SendAsync("sam", "POST", $"/api/v1/promotions/{id}/approvals", new { comment = "ok" });
        var page = await app.SignedInAsync("rita");

        await page.GotoAsync($"/promotions/{id}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Deploy" }).ClickAsync();

        (await page.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe($"Promotion {id} is deployed.");
        var deployments = await app.SendAsync("admin", "GET", $"/api/v1/models/{WebApp.Model}/deployments");
        deployments.GetProperty("stages").EnumerateArray().Single(s => s.GetProperty("stage").GetString() == "staging")
            .GetProperty("version").GetString().ShouldBe(version);
    }

    [Fact]
    public async Task the_inbox_is_readable_on_a_phone()
    {
        await app.PendingPromotionAsync();
        var page = await app.SignedInAsync("alex");
        await page.SetViewportSizeAsync(390, 844);

        await page.GotoAsync("/inbox");

        (await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth")).ShouldBeTrue("the page scrolls sideways");
        (await page.GetByRole(AriaRole.Button, new() { Name = "Approve" }).First.IsVisibleAsync()).ShouldBeTrue();
        await WebApp.ScreenshotAsync(page, "inbox-phone");
    }
}
