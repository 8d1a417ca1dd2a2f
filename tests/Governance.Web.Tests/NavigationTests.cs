using System.Text.Json;
using Governance.Web.Tests.Harness;
using Microsoft.Playwright;

namespace Governance.Web.Tests;

[Collection(WebCollection.Name)]
public sealed class NavigationTests(WebApp app)
{
    [Fact]
    public async Task the_navigation_links_the_queues_of_the_teams_whose_rotation_names_you()
    {
        // A team that sorts before the web app's own: "the first team" would be the wrong link for olga.
        const string other = "aaa-nav";
        await app.SendAsync("rita", "POST", "/api/v1/models", new
        {
            key = "aaa-nav-model", name = "Navigation", description = "A second team's model.", team = other, taskType = "binary-classification",
        });
        await DefineRotationAsync(other, "admin");

        var page = await app.SignedInAsync("olga");
        (await QueueLinksAsync(page)).ShouldBe([$"Queue ({WebApp.Team})"]);

        // Covering the other team's pager for a week puts its queue in the navigation too.
        await app.SendAsync("admin", "POST", $"/api/v1/teams/{other}/overrides", new
        {
            member = "olga", from = DateTimeOffset.UtcNow.ToString("O"), to = DateTimeOffset.UtcNow.AddDays(7).ToString("O"),
        });
        await page.ReloadAsync();
        (await QueueLinksAsync(page)).ShouldBe([$"Queue ({other})", $"Queue ({WebApp.Team})"]);

        // A redefinition that drops admin takes the other queue out of admin's navigation: only the latest definition
        // counts. (Someone on no rotation gets the first team's queue, so a team sorting first owns a model too.)
        await app.SendAsync("rita", "POST", "/api/v1/models", new
        {
            key = "aa0-nav-model", name = "Navigation first", description = "The first team's model.", team = "aa0-nav", taskType = "binary-classification",
        });
        var admin = await app.SignedInAsync("admin");
        (await QueueLinksAsync(admin)).ShouldBe([$"Queue ({other})"]);
        await DefineRotationAsync(other, "olga");
        await admin.ReloadAsync();
        (await QueueLinksAsync(admin)).ShouldNotContain($"Queue ({other})");
    }

    private Task<JsonElement> DefineRotationAsync(string team, string member) =>
        app.SendAsync("admin", "PUT", $"/api/v1/teams/{team}/rotation", new
        {
            timeZone = "UTC", handoffDay = "Monday", handoffTime = "10:00", shiftLength = "P7D", members = new[] { member }, shadows = Array.Empty<string>(),
            startsOn = DateTime.UtcNow.Date.AddDays(-14).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        });

    private static async Task<IReadOnlyList<string>> QueueLinksAsync(IPage page) =>
        [.. (await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link).AllInnerTextsAsync()).Where(t => t.StartsWith("Queue (", StringComparison.Ordinal))];
}
