using Governance.Web.Tests.Harness;
using Microsoft.Playwright;

namespace Governance.Web.Tests;

[Collection(WebCollection.Name)]
public sealed class IncidentPageTests(WebApp app)
{
    [Fact]
    public async Task an_on_call_person_acknowledges_an_incident_from_the_queue_and_resolves_it_with_a_postmortem_that_adds_a_slice()
    {
        var title = "Churn scores all zero " + Guid.NewGuid().ToString("N")[..6];
        var opened = await app.SendAsync("rita", "POST", "/api/v1/incidents", new
        {
            model = WebApp.OpsModel, severity = "SEV2", title, description = "Every subscriber scores 0.0 since 09:00.", source = "user-report",
        });
        var id = opened.GetProperty("id").GetString()!;
        opened.GetProperty("assignee").GetString().ShouldBe("olga");
        var page = await app.SignedInAsync("olga");

        await page.GetByRole(AriaRole.Link, new() { Name = $"Queue ({WebApp.Team})" }).ClickAsync();
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = title });
        (await row.InnerTextAsync()).ShouldContain("olga");
        await WebApp.ScreenshotAsync(page, "queue");
        await row.GetByLabel("Note").FillAsync("Looking at the feature pipeline.");
        await row.GetByRole(AriaRole.Button, new() { Name = "Acknowledge" }).ClickAsync();

        (await page.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe($"You acknowledged {id}.");
        (await app.SendAsync("admin", "GET", $"/api/v1/incidents/{id}")).GetProperty("status").GetString().ShouldBe("acknowledged");

        await page.GotoAsync($"/incidents/{id}");
        await page.GetByLabel("Resolution").FillAsync("Feature job restarted; scores back to normal.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Resolve" }).ClickAsync();
        (await page.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("The incident is resolved.");

        await page.GetByLabel("Summary").FillAsync("A stale feature table zeroed every score.");
        await page.GetByLabel("Impact").FillAsync("Two hours without churn outreach.");
        await page.GetByLabel("Root cause").FillAsync("The nightly feature job wrote an empty partition.");
        await page.GetByLabel("Trigger").FillAsync("Storage quota hit at 02:00.");
        await page.GetByLabel("Action item", new() { Exact = true }).FillAsync("Alert on empty feature partitions");
        await page.GetByLabel("Action item type").SelectOptionAsync("detect");
        await page.GetByLabel("Suite").FillAsync(WebApp.Suite);
        await page.GetByLabel("Slice name").FillAsync("empty-features");
        await page.GetByLabel("Slice metric").FillAsync("auc");
        await page.GetByLabel("Slice threshold").FillAsync("0.6");
        await page.GetByRole(AriaRole.Button, new() { Name = "Publish postmortem" }).ClickAsync();

        (await page.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("Postmortem published.");
        var main = await page.Locator("main").InnerTextAsync();
        main.ShouldContain("empty-features to suite churn-core");
        main.ShouldContain("Incident acknowledged by olga");
        main.ShouldContain("Incident resolved by olga");
        var suite = await app.SendAsync("admin", "GET", $"/api/v1/evaluation-suites/{WebApp.Suite}");
        suite.GetProperty("slices").EnumerateArray().Select(s => s.GetProperty("name").GetString()).ShouldContain("empty-features");
        await WebApp.ScreenshotAsync(page, "incident");
    }

    [Fact]
    public async Task a_refused_postmortem_keeps_what_was_typed_and_says_which_field_is_missing()
    {
        var opened = await app.SendAsync("rita", "POST", "/api/v1/incidents", new
        {
            model = WebApp.OpsModel, severity = "SEV3", title = "Slow scoring", description = "p99 at 900 ms.", source = "user-report",
        });
        var id = opened.GetProperty("id").GetString()!;
        var page = await app.SignedInAsync("olga");
        await page.GotoAsync($"/incidents/{id}");

        await page.GetByLabel("Summary").FillAsync("Scoring slowed down.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Publish postmortem" }).ClickAsync();

        (await page.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldContain("'impact'");
        (await page.GetByLabel("Summary").InputValueAsync()).ShouldBe("Scoring slowed down.");
    }
}
