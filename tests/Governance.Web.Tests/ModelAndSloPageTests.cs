using Governance.Web.Tests.Harness;
using Microsoft.Playwright;

namespace Governance.Web.Tests;

[Collection(WebCollection.Name)]
public sealed class ModelAndSloPageTests(WebApp app)
{
    [Fact]
    public async Task a_model_page_draws_its_deployment_timeline_and_rolls_back_only_with_a_reason()
    {
        var previous = await app.InProductionAsync();
        var current = await app.InProductionAsync();
        var page = await app.SignedInAsync("olga");

        await page.GotoAsync("/models");
        await page.GetByRole(AriaRole.Link, new() { Name = WebApp.Model, Exact = true }).ClickAsync();
        var timeline = page.GetByRole(AriaRole.Img, new() { Name = "Deployment timeline" });
        (await timeline.GetAttributeAsync("viewBox")).ShouldNotBeNull();
        (await timeline.Locator("desc").TextContentAsync() ?? "").ShouldContain($"production: ");
        (await timeline.Locator("desc").TextContentAsync() ?? "").ShouldContain($"{current} from ");

        var form = page.Locator("form", new() { Has = page.GetByRole(AriaRole.Button, new() { Name = "Roll back production" }) });
        await form.GetByRole(AriaRole.Button).ClickAsync();
        (await page.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldContain("'reason'");

        await form.GetByLabel("Reason (required)").FillAsync("Scores drifted after the deploy.");
        await form.GetByRole(AriaRole.Button).ClickAsync();
        (await page.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("production is rolled back.");
        var deployments = await app.SendAsync("admin", "GET", $"/api/v1/models/{WebApp.Model}/deployments");
        deployments.GetProperty("stages").EnumerateArray().Single(s => s.GetProperty("stage").GetString() == "production")
            .GetProperty("version").GetString().ShouldBe(previous);
        (await page.GetByRole(AriaRole.Img, new() { Name = "Deployment timeline" }).Locator("desc").TextContentAsync() ?? "").ShouldContain("(rolled back)");
        await WebApp.ScreenshotAsync(page, "model");
        await page.GotoAsync("/models");
        await WebApp.ScreenshotAsync(page, "models");
    }

    [Fact]
    public async Task a_viewer_cannot_roll_back_and_the_page_names_the_role_it_needs()
    {
        var version = await app.InProductionAsync();
        var created = await app.SendAsync("admin", "POST", "/api/v1/principals", new { name = "vic-" + Guid.NewGuid().ToString("N")[..6], roles = new[] { "viewer" } });
        var name = created.GetProperty("name").GetString()!;
        app.Keys[name] = created.GetProperty("apiKey").GetString()!;
        var page = await app.SignedInAsync(name);

        await page.GotoAsync($"/models/{WebApp.Model}");
        var form = page.Locator("form", new() { Has = page.GetByRole(AriaRole.Button, new() { Name = "Roll back production" }) });
        await form.GetByLabel("Reason (required)").FillAsync("I think it is broken.");
        await form.GetByRole(AriaRole.Button).ClickAsync();

        (await page.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldBe("This needs a role you do not have (contributor).");
        (await form.GetByLabel("Reason (required)").InputValueAsync()).ShouldBe("I think it is broken.");
        var deployments = await app.SendAsync("admin", "GET", $"/api/v1/models/{WebApp.Model}/deployments");
        deployments.GetProperty("stages").EnumerateArray().Single(s => s.GetProperty("stage").GetString() == "production")
            .GetProperty("version").GetString().ShouldBe(version);
    }

    [Fact]
    public async Task an_slo_page_shows_its_error_budget_chart()
    {
        var slo = await app.SendAsync("rita", "POST", "/api/v1/slos", new
        {
            name = "churn-precision", model = WebApp.OpsModel, stage = "production", objective = 0.95, window = "P1D", labelDelay = "PT1M",
            description = "Share of flagged subscribers who did cancel.",
        });
        var id = slo.GetProperty("id").GetString()!;
        var start = DateTimeOffset.UtcNow.AddMinutes(-70);
        var buckets = Enumerable.Range(0, 13).Select(i => new
        {
            from = start.AddMinutes(i * 5).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
            to = start.AddMinutes((i + 1) * 5).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
            good = i < 6 ? 990 : 600,
            total = 1000,
        }).ToArray();
        await app.SendAsync("rita", "POST", $"/api/v1/slos/{id}/measurements", buckets);
        var page = await app.SignedInAsync("olga");
        await page.GotoAsync($"/models/{WebApp.OpsModel}");
        await page.GetByRole(AriaRole.Link, new() { Name = "churn-precision" }).ClickAsync();
        page.Url.ShouldEndWith($"/slos/{id}");

        string? description = null;
        for (var attempt = 0; attempt < 50; attempt++)
        {
            await page.GotoAsync($"/slos/{id}");
            description = await page.GetByRole(AriaRole.Img, new() { Name = "Error budget over the window" }).Locator("desc").TextContentAsync();
            if (description?.Contains("Error budget left fell", StringComparison.Ordinal) == true)
            {
                break;
            }

            await Task.Delay(200);
        }

        description.ShouldNotBeNull().ShouldContain("Error budget left fell from");
        (await page.Locator("main").InnerTextAsync()).ShouldContain("Error budget left");
        await WebApp.ScreenshotAsync(page, "slo");
    }

    [Fact]
    public async Task the_alert_noise_page_draws_a_bar_per_rule()
    {
        var alert = await app.SendAsync("rita", "POST", "/api/v1/alerts", new { rule = "null-rate", model = WebApp.OpsModel, severity = "SEV4", summary = "tenure null rate 3%" });
        await app.SendAsync("olga", "POST", $"/api/v1/alerts/{alert.GetProperty("id").GetString()}/acknowledgement", new { actionable = false, note = "weekend gap" });
        var page = await app.SignedInAsync("olga");

        string? description = null;
        for (var attempt = 0; attempt < 50; attempt++)
        {
            await page.GotoAsync("/alerts/noise");
            description = await page.GetByRole(AriaRole.Img, new() { Name = "Alert noise per rule" }).Locator("desc").TextContentAsync();
            if (description?.Contains("null-rate", StringComparison.Ordinal) == true)
            {
                break;
            }

            await Task.Delay(200);
        }

        description.ShouldNotBeNull().ShouldContain("null-rate: fired 1 times, 100% ignored");
        await WebApp.ScreenshotAsync(page, "alert-noise");
    }

    [Fact]
    public async Task the_home_page_lists_what_awaits_me()
    {
        var (_, version) = await app.PendingPromotionAsync();
        var page = await app.SignedInAsync("alex");

        await page.GotoAsync("/");
        (await page.GetByRole(AriaRole.Heading, new() { Level = 1 }).InnerTextAsync()).ShouldBe("What awaits you");
        (await page.GetByRole(AriaRole.Link, new() { Name = $"churn {version} → staging" }).CountAsync()).ShouldBe(1);
        await WebApp.ScreenshotAsync(page, "home");
    }
}
