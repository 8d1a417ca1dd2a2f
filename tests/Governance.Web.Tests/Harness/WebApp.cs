using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Governance.Processes;
using Microsoft.Playwright;

namespace Governance.Web.Tests.Harness;

/// <summary>
/// The real service on a loopback port with its embedded PostgreSQL, people and a model put in place through the API,
/// and Chromium (the Debian package, no browser download) driven through Playwright.
/// </summary>
public sealed class WebApp : IAsyncLifetime
{
    /// <summary>Where Debian's chromium package puts the browser; CHROMIUM_PATH overrides.</summary>
    public static string ChromiumPath => Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    /// <summary>The model the tests promote, owned by team <see cref="Team"/>.</summary>
    public const string Model = "churn";

    /// <summary>A model of the same team that incidents are opened on (an open SEV2 on <see cref="Model"/> would block its promotions).</summary>
    public const string OpsModel = "churn-ops";

    /// <summary>The team on call for <see cref="Model"/>.</summary>
    public const string Team = "growth";

    /// <summary>The suite a postmortem adds a slice to.</summary>
    public const string Suite = "churn-core";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly string dataDirectory = Path.Combine(Path.GetTempPath(), "governance-web-tests", Guid.NewGuid().ToString("N")[..12]);
    private ServiceProcess? service;
    private IPlaywright? playwright;
    private int versions;

    /// <summary>The running service.</summary>
    internal ServiceProcess Service => service ?? throw new InvalidOperationException("Not started.");

    /// <summary>The browser.</summary>
    public IBrowser Browser { get; private set; } = null!;

    /// <summary>People's API keys by name: rita requests, alex and sam approve, olga is on call.</summary>
    public Dictionary<string, string> Keys { get; } = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        service = await ServiceProcess.StartEmbeddedAsync(dataDirectory, CancellationToken.None);
        Keys["admin"] = service.AdminKey;
        foreach (var (name, roles) in new[] { ("rita", new[] { "contributor" }), ("alex", ["approver"]), ("sam", ["approver"]), ("olga", ["oncall"]) })
        {
            var created = await SendAsync("admin", "POST", "/api/v1/principals", new { name, roles });
            Keys[name] = created.GetProperty("apiKey").GetString()!;
        }

        await SendAsync("rita", "POST", "/api/v1/models", new
        {
            key = Model, name = "Churn predictor", description = "Predicts which subscribers cancel next month.", team = Team,
            taskType = "binary-classification", stages = new[] { "offline", "staging", "production" }, kpis = new[] { "retention" },
        });
        await SendAsync("rita", "POST", "/api/v1/models", new
        {
            key = OpsModel, name = "Churn features", description = "The feature pipeline behind the churn predictor.", team = Team,
            taskType = "binary-classification", stages = new[] { "offline", "production" }, kpis = new[] { "freshness" },
        });
        await SendAsync("admin", "PUT", $"/api/v1/models/{Model}/policy", new
        {
            stages = new Dictionary<string, object>
            {
                ["staging"] = new { requiredApprovals = 2, approverRoles = new[] { "approver" }, requiredSuites = Array.Empty<string>() },
                ["production"] = new { requiredApprovals = 1, approverRoles = new[] { "approver" }, requiredSuites = Array.Empty<string>() },
            },
        });
        await SendAsync("rita", "POST", "/api/v1/evaluation-suites", new
        {
            name = Suite, description = "Churn quality.", metrics = new[] { new { name = "auc", threshold = 0.7, direction = "higher" } },
            slices = new[] { new { name = "new-subscribers", metric = "auc", threshold = 0.65 } },
        });
        var today = DateTime.UtcNow.Date;
        await SendAsync("admin", "PUT", $"/api/v1/teams/{Team}/rotation", new
        {
            timeZone = "UTC", handoffDay = "Monday", handoffTime = "10:00", shiftLength = "P7D", members = new[] { "olga" }, shadows = Array.Empty<string>(),
            startsOn = today.AddDays(-14).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        });

        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = ChromiumPath, Headless = true, Args = ["--no-sandbox"] });
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        playwright?.Dispose();
        if (service is not null)
        {
            await service.DisposeAsync();
        }

        try
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A new version of <see cref="Model"/> registered by rita, and her pending promotion of it to staging; returns its id.</summary>
    public async Task<(string Id, string Version)> PendingPromotionAsync(string stage = "staging")
    {
        var version = $"1.{Interlocked.Increment(ref versions)}.0";
        await SendAsync("rita", "POST", $"/api/v1/models/{Model}/versions", new
        {
            version, artifactUri = $"s3://models/{Model}/{version}", digest = "sha256:" + version.GetHashCode().ToString("x8", System.Globalization.CultureInfo.InvariantCulture).PadLeft(64, '0'),
            trainingDatasets = Array.Empty<string>(), parents = Array.Empty<string>(), codeCommit = "a1b2c3d", config = new { threshold = 0.5 },
        });
        var promotion = await SendAsync("rita", "POST", "/api/v1/promotions", new
        {
            model = Model, version, targetStage = stage, justification = $"{version} keeps recall on new subscribers.", evidence = Array.Empty<string>(),
        });
        promotion.GetProperty("status").GetString().ShouldBe("pending");
        return (promotion.GetProperty("id").GetString()!, version);
    }

    /// <summary>A new version promoted through staging into production (approved by alex and sam) ; returns the version.</summary>
    public async Task<string> InProductionAsync()
    {
        var (staging, version) = await PendingPromotionAsync();
        await SendAsync("alex", "POST", $"/api/v1/promotions/{staging}/approvals", new { comment = "ok" });
        await SendAsync("sam", "POST", $"/api/v1/promotions/{staging}/approvals", new { comment = "ok" });
        await SendAsync("rita", "POST", $"/api/v1/promotions/{staging}/deployment", new { });
        var production = await SendAsync("rita", "POST", "/api/v1/promotions", new
        {
            model = Model, version, targetStage = "production", justification = $"{version} held up in staging.", evidence = Array.Empty<string>(),
        });
        var id = production.GetProperty("id").GetString()!;
        await SendAsync("alex", "POST", $"/api/v1/promotions/{id}/approvals", new { comment = "ok" });
        await SendAsync("rita", "POST", $"/api/v1/promotions/{id}/deployment", new { });
        return version;
    }

    private static readonly Regex SignInPage = new("/sign-in");

    /// <summary>A browser tab with its own cookies, signed in as <paramref name="person"/>.</summary>
    public async Task<IPage> SignedInAsync(string person, bool javaScript = true)
    {
        var page = await NewPageAsync(javaScript);
        await page.GotoAsync("/sign-in");
        await page.GetByLabel("API key").FillAsync(Keys[person]);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        // Polls the address rather than waiting for a navigation event: the redirect after the form post can finish
        // before a navigation wait is set up, and then the event never comes (seen under load as a 30 s timeout on a
        // page that had long loaded).
        await Assertions.Expect(page).Not.ToHaveURLAsync(SignInPage, new() { Timeout = 30_000 });
        return page;
    }

    /// <summary>A browser tab with its own cookies, signed in as nobody.</summary>
    public async Task<IPage> NewPageAsync(bool javaScript = true)
    {
        var context = await Browser.NewContextAsync(new() { JavaScriptEnabled = javaScript, BaseURL = Service.BaseAddress.ToString().TrimEnd('/'), TimezoneId = "Europe/Berlin", ViewportSize = new() { Width = 1200, Height = 900 } });
        return await context.NewPageAsync();
    }

    /// <summary>
    /// Saves a screenshot of the whole page as <paramref name="name"/>.png: into docs/screenshots (committed) when
    /// GOVERNANCE_SCREENSHOTS=docs, else beside the test output, so an ordinary run leaves the clone unchanged.
    /// </summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        var folder = Environment.GetEnvironmentVariable("GOVERNANCE_SCREENSHOTS") == "docs"
            ? Path.Combine(Repository.Root(), "docs", "screenshots")
            : Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new() { Path = Path.Combine(folder, name + ".png"), FullPage = true });
        (await page.Locator("h1").CountAsync()).ShouldBe(1, $"{name}: one h1 per page");
    }

    /// <summary>Calls the API as <paramref name="person"/> and returns the JSON answer; fails on any error status.</summary>
    public async Task<JsonElement> SendAsync(string person, string method, string url, object? body = null)
    {
        using var client = new HttpClient { BaseAddress = Service.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Keys[person]);
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (body is not null)
        {
            request.Content = new StringContent(JsonSerializer.Serialize(body, Json), Encoding.UTF8, "application/json");
        }

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue($"{method} {url} answered {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }
}

/// <summary>One service and one browser for every web test.</summary>
[CollectionDefinition(Name)]
public sealed class WebCollection : ICollectionFixture<WebApp>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "web";
}

/// <summary>The clone the tests run from.</summary>
public static class Repository
{
    /// <summary>The folder holding Governance.sln, above the test output.</summary>
    public static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Governance.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("No Governance.sln above the test output.");
    }
}
