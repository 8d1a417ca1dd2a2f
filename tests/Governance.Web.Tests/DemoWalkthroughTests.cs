using System.Text.RegularExpressions;
using Governance.Processes;
using Governance.Web.Tests.Harness;
using Microsoft.Playwright;

namespace Governance.Web.Tests;

/// <summary>
/// The issue's "done when", as a new user does it: start the service with <c>--demo</c>, sign in with the admin key, and
/// follow every link of the app from the home page; each page of DESIGN §11 is reached and answers without a problem.
/// </summary>
[Collection(WebCollection.Name)]
public sealed partial class DemoWalkthroughTests(WebApp app)
{
    // Pages of DESIGN §11 by path shape; every one must be reached by following links from "/".
    private static readonly (string Page, Regex Path)[] DesignPages =
    [
        ("home", HomePath()), ("inbox", InboxPath()), ("a promotion", PromotionPath()), ("models", ModelsPath()),
        ("a model", ModelPath()), ("a team's queue", QueuePath()), ("an incident", IncidentPath()), ("an SLO", SloPath()),
        ("alert noise", NoisePath()),
    ];

    [Fact]
    public async Task with_the_demo_s_data_every_page_of_the_web_app_is_reached_from_home_and_works()
    {
        var data = Path.Combine(Path.GetTempPath(), "governance-web-demo", Guid.NewGuid().ToString("N")[..12]);
        try
        {
            await using var service = await ServiceProcess.StartEmbeddedAsync(data, CancellationToken.None, arguments: ["--demo"]);
            await DemoToFinishAsync(service);

            var context = await app.Browser.NewContextAsync(new() { BaseURL = service.BaseAddress.ToString().TrimEnd('/'), TimezoneId = "UTC" });
            var page = await context.NewPageAsync();
            await page.GotoAsync("/sign-in");
            await page.GetByLabel("API key").FillAsync(service.AdminKey);
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await Assertions.Expect(page).ToHaveURLAsync(new Regex("/$"), new() { Timeout = 30_000 });

            var visited = await VisitEveryLinkAsync(page);

            foreach (var (name, path) in DesignPages)
            {
                visited.ShouldContain(p => path.IsMatch(p), $"no link from home leads to {name}; visited: {string.Join(", ", visited)}");
            }

            await context.CloseAsync();
        }
        finally
        {
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    // Breadth-first over the app's own links (not the API, the generated docs or signing out), each page checked on arrival.
    private static async Task<List<string>> VisitEveryLinkAsync(IPage page)
    {
        var queue = new Queue<string>(["/"]);
        var seen = new HashSet<string>(StringComparer.Ordinal) { "/" };
        var visited = new List<string>();
        while (queue.TryDequeue(out var path) && visited.Count < 80)
        {
            var response = await page.GotoAsync(path);
            response.ShouldNotBeNull();
            response.Status.ShouldBe(200, path);
            (await page.Locator("h1").CountAsync()).ShouldBe(1, $"{path}: one h1");
            (await page.Locator(".problem").AllInnerTextsAsync()).ShouldBeEmpty(path);
            visited.Add(path);

            foreach (var href in await page.Locator("a[href^='/']").EvaluateAllAsync<string[]>("links => links.map(a => a.getAttribute('href'))"))
            {
                var target = href.Split('#')[0];
                if (target.Length > 0 && !target.StartsWith("/api/", StringComparison.Ordinal) && !target.StartsWith("/docs", StringComparison.Ordinal)
                    && !target.StartsWith("/sign-", StringComparison.Ordinal) && !target.StartsWith("/web/", StringComparison.Ordinal)
                    && seen.Add(target))
                {
                    queue.Enqueue(target);
                }
            }
        }

        return visited;
    }

    private static async Task DemoToFinishAsync(ServiceProcess service)
    {
        var deadline = DateTime.UtcNow.AddMinutes(4);
        while (!service.Output.Any(line => line.StartsWith("Demo: done.", StringComparison.Ordinal)))
        {
            service.Output.ShouldNotContain(line => line.StartsWith("The demo story stopped", StringComparison.Ordinal));
            DateTime.UtcNow.ShouldBeLessThan(deadline, "the demo story did not finish within 4 minutes");
            await Task.Delay(250);
        }
    }

    [GeneratedRegex(@"^/$")] private static partial Regex HomePath();
    [GeneratedRegex(@"^/inbox$")] private static partial Regex InboxPath();
    [GeneratedRegex(@"^/promotions/[^/]+$")] private static partial Regex PromotionPath();
    [GeneratedRegex(@"^/models$")] private static partial Regex ModelsPath();
    [GeneratedRegex(@"^/models/[^/]+$")] private static partial Regex ModelPath();
    [GeneratedRegex(@"^/teams/[^/]+/queue$")] private static partial Regex QueuePath();
    [GeneratedRegex(@"^/incidents/[^/]+$")] private static partial Regex IncidentPath();
    [GeneratedRegex(@"^/slos/[^/]+$")] private static partial Regex SloPath();
    [GeneratedRegex(@"^/alerts/noise$")] private static partial Regex NoisePath();
}
