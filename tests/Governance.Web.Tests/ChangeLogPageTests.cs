using Governance.Web.Tests.Harness;
using Microsoft.Playwright;

namespace Governance.Web.Tests;

[Collection(WebCollection.Name)]
public sealed class ChangeLogPageTests(WebApp app)
{
    [Fact]
    public async Task a_long_change_log_is_paged_newest_first_and_filtered_by_kind_with_scripts_off()
    {
        var model = "churn-log-" + Guid.NewGuid().ToString("N")[..6];
        await app.SendAsync("rita", "POST", "/api/v1/models", new
        {
            key = model, name = "Churn log", description = "A model with a long history.", team = WebApp.Team,
            taskType = "binary-classification", stages = new[] { "offline", "production" }, kpis = new[] { "retention" },
        });
        for (var i = 1; i <= 55; i++)
        {
            await app.SendAsync("rita", "POST", $"/api/v1/models/{model}/notes", new { title = $"Note {i:00}", body = "Seen in the weekly review.", tags = Array.Empty<string>() });
        }

        var page = await app.SignedInAsync("olga", javaScript: false);
        await page.GotoAsync($"/models/{model}");
        await page.GetByRole(AriaRole.Link, new() { Name = "Change log" }).ClickAsync();
        var rows = page.Locator("table.changes tbody tr");
        for (var attempt = 0; attempt < 50 && !(await page.Locator("main").InnerTextAsync()).Contains("Note 55", StringComparison.Ordinal); attempt++)
        {
            await Task.Delay(200);
            await page.ReloadAsync();
        }

        (await rows.CountAsync()).ShouldBe(50);
        (await rows.First.InnerTextAsync()).ShouldContain("Note 55");
        (await rows.Last.InnerTextAsync()).ShouldContain("Note 06");
        (await rows.First.InnerTextAsync()).ShouldContain("rita");
        (await rows.First.Locator("time").GetAttributeAsync("title")).ShouldNotBeNull().ShouldEndWith("Z");
        (await page.Locator("table.changes").InnerTextAsync()).ShouldNotContain("Model registered");

        // An event added while reading lands on the first page; the next page still starts where this one ended.
        await app.SendAsync("rita", "POST", $"/api/v1/models/{model}/notes", new { title = "Note 56", body = "Late.", tags = Array.Empty<string>() });
        await page.GetByRole(AriaRole.Link, new() { Name = "Next (older)" }).ClickAsync();
        (await rows.CountAsync()).ShouldBe(6);
        (await rows.First.InnerTextAsync()).ShouldContain("Note 05");
        (await rows.Last.InnerTextAsync()).ShouldContain("Model registered");
        (await page.GetByRole(AriaRole.Link, new() { Name = "Next (older)" }).CountAsync()).ShouldBe(0);
        await page.GetByRole(AriaRole.Link, new() { Name = "Previous (newer)" }).ClickAsync();
        (await rows.First.InnerTextAsync()).ShouldContain("Note 56");
        await WebApp.ScreenshotAsync(page, "changes");

        await page.GetByLabel("Kind of change").SelectOptionAsync(new SelectOptionValue { Label = "Model registered" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        (await rows.CountAsync()).ShouldBe(1);
        (await rows.First.InnerTextAsync()).ShouldContain("Model registered");
        (await page.GetByLabel("Kind of change").InputValueAsync()).ShouldNotBeEmpty();
    }
}
