using System.IO.Compression;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Governance.Api.Tests.Harness;
using Governance.Api.Tests.Registry;
using NodaTime;

namespace Governance.Api.Tests.Docs;

/// <summary>The generated documentation: every section, as of now and as of any past instant, regenerated on new events.</summary>
public sealed partial class ModelDocTests(GovernanceApp app) : IClassFixture<GovernanceApp>, IAsyncLifetime
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 11, 2, 9, 0);

    public async Task InitializeAsync()
    {
        if ((await app.Scenario(s => s.Get.Url("/api/v1/models/doc-fraud").IgnoreStatusCode())).StatusCode == System.Net.HttpStatusCode.OK)
        {
            return;
        }

        // A scripted history on the fake clock, one step per hour, so the document is the same on every run.
        var step = 0;
        void Tick() => app.Clock.Reset(T0.Plus(Duration.FromHours(step++)));

        Tick();
        await app.RegisterModelAsync("doc-fraud");
        Tick();
        await app.RegisterDatasetAsync("doc-txns", "2026-10");
        Tick();
        await app.RegisterDatasetAsync("doc-features", "v1", "doc-txns@2026-10");
        Tick();
        var kept = await app.StartExperimentAsync("doc-fraud", "data");
        Tick();
        await app.RecordRunAsync(kept, "run-1", "doc-features@v1");
        Tick();
        await app.Scenario(s => s.Post.Json(new { outcome = "adopted", reason = "Recall +4 points at the same precision" }).ToUrl($"/api/v1/experiments/{kept}/conclusion").StatusCodeShouldBe(200));
        Tick();
        var dropped = await app.StartExperimentAsync("doc-fraud", "model");
        Tick();
        await app.Scenario(s => s.Post.Json(new { outcome = "abandoned", reason = "A deep net needed 10x the serving cost for no lift" }).ToUrl($"/api/v1/experiments/{dropped}/conclusion").StatusCodeShouldBe(200));
        Tick();
        await app.RegisterVersionAsync("doc-fraud", "1.0", ["doc-features@v1"], kept, "run-1");
        Tick();
        await app.Scenario(s => s.Post.Json(new { name = "amount-cap", version = "2", description = "Never auto-approve above 10k" }).ToUrl("/api/v1/models/doc-fraud/versions/1.0/guardrails").StatusCodeShouldBe(201));
        Tick();
        await app.Scenario(s => s.Post.Json(new { title = "Intended use", body = "Scores card-present transactions for manual review.", tags = new[] { "intended-use" } }).ToUrl("/api/v1/models/doc-fraud/notes").StatusCodeShouldBe(201));
        Tick();
        await app.Scenario(s => s.Post.Json(new { title = "December drift", body = "Holiday traffic shifts amounts | expect alerts.", tags = new[] { "drift" } }).ToUrl("/api/v1/models/doc-fraud/notes").StatusCodeShouldBe(201));
        Tick();
        await app.Scenario(s => s.Post.Json(new
        {
            name = "doc-suite", description = "Core metrics",
            metrics = new object[] { new { name = "auc", threshold = 0.9, direction = "higher" } },
            slices = new object[] { new { name = "new-users", metric = "auc", threshold = 0.85 } },
        }).ToUrl("/api/v1/evaluation-suites").StatusCodeShouldBe(201));
        Tick();
        var evaluation = await app.Scenario(s => s.Post.Json(new
        {
            model = "doc-fraud", version = "1.0", suite = "doc-suite", stage = "offline", datasets = new[] { "doc-features@v1" },
            metrics = new { auc = 0.93 }, slices = new Dictionary<string, object> { ["new-users"] = new { auc = 0.8 } },
        }).ToUrl("/api/v1/evaluations").StatusCodeShouldBe(201));
        Tick();
        var approver = await app.CreatePrincipalAsync("doc-approver", "approver");
        var promotion = await app.Scenario(s => s.Post.Json(new
        {
            model = "doc-fraud", version = "1.0", targetStage = "shadow", justification = "Holds up offline", evidence = new[] { evaluation.Json.GetProperty("id").GetString() },
        }).ToUrl("/api/v1/promotions").StatusCodeShouldBe(201));
        var promotionId = promotion.Json.GetProperty("id").GetString();
        Tick();
        await app.Scenario(s => s.Post.Json(new { comment = "fine" }).ToUrl($"/api/v1/promotions/{promotionId}/approvals").As(approver).StatusCodeShouldBe(200));
        Tick();
        await app.Scenario(s => s.Post.Json(new { }).ToUrl($"/api/v1/promotions/{promotionId}/deployment").StatusCodeShouldBe(200));
        Tick();
        var incident = await app.Scenario(s => s.Post.Json(new
        {
            model = "doc-fraud", stage = "shadow", version = "1.0", severity = "SEV3", title = "Scores drift on weekends", description = "d",
            source = "user-report", category = "data-drift-natural",
        }).ToUrl("/api/v1/incidents").StatusCodeShouldBe(201));
        var incidentId = incident.Json.GetProperty("id").GetString();
        Tick();
        await app.Scenario(s => s.Post.Json(new { resolution = "Weekend traffic is different; expected." }).ToUrl($"/api/v1/incidents/{incidentId}/resolution").StatusCodeShouldBe(200));
        Tick();
        await app.Scenario(s => s.Post.Json(new
        {
            summary = "Weekend mix", impact = "none", rootCause = "natural drift", trigger = "weekend", lessons = "Know your traffic",
            actionItems = new[] { new { description = "Add a weekend slice", type = "detect", owner = "admin" } },
        }).ToUrl($"/api/v1/incidents/{incidentId}/postmortem").StatusCodeShouldBe(200));
        Tick();
        await app.Scenario(s => s.Post.Json(new { name = "precision", model = "doc-fraud", stage = "shadow", objective = 0.95, window = "P7D", description = "Review precision" })
            .ToUrl("/api/v1/slos").StatusCodeShouldBe(201));
        app.Clock.Reset(T0.Plus(Duration.FromDays(1)));
        await app.WaitForNonStaleProjectionsAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task the_document_has_every_section_in_order()
    {
        var doc = await Markdown("/api/v1/docs/models/doc-fraud");
        doc.ShouldContain("**[1.0](/api/v1/streams/deployment-doc-fraud-shadow/events?fromVersion=1&toVersion=1)**");
        doc.ShouldContain("Scores drift on weekends");
        doc.ShouldContain("Add a weekend slice");
        doc.ShouldContain("| precision | shadow | 0.95 |");
        doc.ShouldContain("slice:new-users:auc");
        string[] sections = ["## Overview", "### Model card", "## Deployments", "## Lineage", "## Evaluation history", "## SLOs",
            "## Incidents and known failure modes", "## Guardrails", "## Experiments", "## Knowledge notes", "## Change log"];
        var positions = sections.Select(s => doc.IndexOf(s, StringComparison.Ordinal)).ToList();
        positions.ShouldAllBe(p => p >= 0);
        positions.ShouldBe(positions.Order().ToList());
    }

    [Fact]
    public async Task the_document_matches_the_golden_file()
    {
        var doc = Normalize(await Markdown("/api/v1/docs/models/doc-fraud"));
        var golden = Path.Combine(AppContext.BaseDirectory, "Docs", "Golden", "doc-fraud.md");
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            await File.WriteAllTextAsync(Path.Combine(SourceDir(), "Golden", "doc-fraud.md"), doc);
        }

        doc.ShouldBe(await File.ReadAllTextAsync(golden));
    }

    [Fact]
    public async Task the_document_as_of_an_earlier_instant_matches_its_golden_file_and_lacks_what_came_later()
    {
        var at = T0.Plus(Duration.FromHours(6)).Plus(Duration.FromMinutes(30));
        var doc = Normalize(await Markdown($"/api/v1/docs/models/doc-fraud?at={at}"));
        doc.ShouldContain("Recall +4 points");
        doc.ShouldNotContain("10x the serving cost");
        doc.ShouldNotContain("amount-cap");
        doc.ShouldContain("_As of 2026-11-02T15:30:00Z");
        var golden = Path.Combine(AppContext.BaseDirectory, "Docs", "Golden", "doc-fraud-at-1530.md");
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            await File.WriteAllTextAsync(Path.Combine(SourceDir(), "Golden", "doc-fraud-at-1530.md"), doc);
        }

        doc.ShouldBe(await File.ReadAllTextAsync(golden));
    }

    [Fact]
    public async Task before_the_model_existed_there_is_no_document()
    {
        await app.Scenario(s => s.Get.Url($"/api/v1/docs/models/doc-fraud?at={T0.Minus(Duration.FromHours(1))}").StatusCodeShouldBe(404).ShouldBeProblem());
        await app.Scenario(s => s.Get.Url("/api/v1/docs/models/doc-fraud?at=yesterday").StatusCodeShouldBe(400).ShouldBeProblem());
        await app.Scenario(s => s.Get.Url("/api/v1/docs/models/never-was").StatusCodeShouldBe(404).ShouldBeProblem());
    }

    [Fact]
    public async Task a_new_event_regenerates_the_document()
    {
        await app.RegisterModelAsync("doc-regen");
        await app.WaitForNonStaleProjectionsAsync();
        (await Markdown("/api/v1/docs/models/doc-regen")).ShouldNotContain("Retraining cadence");
        await app.Scenario(s => s.Post.Json(new { title = "Retraining cadence", body = "Weekly, Mondays." }).ToUrl("/api/v1/models/doc-regen/notes").StatusCodeShouldBe(201));
        await app.WaitForNonStaleProjectionsAsync();
        (await Markdown("/api/v1/docs/models/doc-regen")).ShouldContain("Retraining cadence");
    }

    [Fact]
    public async Task the_html_page_is_well_formed_and_draws_lineage_without_scripts()
    {
        var page = await app.Scenario(s => s.Get.Url("/api/v1/docs/models/doc-fraud").WithHeader("Accept", "text/html").StatusCodeShouldBe(200));
        page.ContentType.ShouldBe("text/html");
        page.Body.ShouldContain("<svg");
        page.Body.ShouldNotContain("<script");
        page.Body.ShouldNotContain("```mermaid");
        var xml = XDocument.Parse(page.Body.Replace("<!DOCTYPE html>", "", StringComparison.Ordinal).Replace("&nbsp;", "&#160;", StringComparison.Ordinal));
        xml.Root!.Name.LocalName.ShouldBe("html");
    }

    [Fact]
    public async Task the_export_holds_the_index_and_every_model()
    {
        await app.RegisterModelAsync("doc-export");
        using var client = app.Client();
        var bytes = await client.GetByteArrayAsync("/api/v1/docs/export");
        using var zip = new ZipArchive(new MemoryStream(bytes));
        var names = zip.Entries.Select(e => e.FullName).ToList();
        names.ShouldContain("index.md");
        names.ShouldContain("models/doc-fraud.md");
        names.ShouldContain("models/doc-export.md");
        var index = await Markdown("/api/v1/docs/models");
        index.ShouldContain("(models/doc-fraud.md)");
    }

    private async Task<string> Markdown(string url)
    {
        var result = await app.Scenario(s => s.Get.Url(url).StatusCodeShouldBe(200));
        result.ContentType.ShouldBe("text/markdown");
        return result.Body;
    }

    /// <summary>Ids made by the server are random; everything else in the document is deterministic.</summary>
    private static string Normalize(string markdown) => ServerId().Replace(ExperimentId().Replace(markdown, "exp-<id>"), "<id>");

    private static string SourceDir([System.Runtime.CompilerServices.CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    [GeneratedRegex("exp-[0-9a-f]{20}")]
    private static partial Regex ExperimentId();

    [GeneratedRegex("(?<![0-9a-z])(?:[a-z]+-)?[0-9a-f]{16,32}(?![0-9a-z])")]
    private static partial Regex ServerId();
}
