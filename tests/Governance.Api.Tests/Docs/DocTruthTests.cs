using System.Text.Json;
using System.Text.RegularExpressions;
using Governance.Api.Docs;
using Governance.Api.Tests.Harness;
using Governance.Api.Tests.Promotions;
using Governance.Api.Tests.Registry;
using NodaTime;
using NodaTime.Text;

namespace Governance.Api.Tests.Docs;

/// <summary>What the generated documents say is what the API says: the entry stage, health, event links, notes and budgets.</summary>
public sealed partial class DocTruthTests(GovernanceApp app) : IClassFixture<GovernanceApp>
{
    [Fact]
    public async Task the_entry_stage_reads_registered_on_the_page()
    {
        await app.RegisterModelAsync("truth-entry", stages: ["dev", "staging", "production"]);
        await app.RegisterVersionAsync("truth-entry", "v1");
        await app.RegisterVersionAsync("truth-entry", "v2");
        var doc = await MarkdownAsync("/api/v1/docs/models/truth-entry");
        doc.ShouldContain("| Stages | dev (registered) → staging → production |");
        doc.ShouldContain("| dev | registered: 2 versions, latest v2 | | | | |");
        doc.ShouldContain("| staging | — |");
    }

    [Fact]
    public async Task health_on_the_index_and_the_page_names_open_incidents_and_breaching_slos_as_of_any_instant()
    {
        var key = "truth-health";
        await app.RegisterModelAsync(key, team: "truth-team");
        var slo = await DefineSloAsync(key, "review-precision");
        app.Clock.Advance(Duration.FromMinutes(1));
        var calm = app.Clock.GetCurrentInstant();
        (await HealthAsync(key)).ShouldBe(("ok", "ok"));

        // A fast burn pages: the SLO breaches and opens a SEV2 incident.
        app.Clock.Advance(Duration.FromMinutes(1));
        var now = app.Clock.GetCurrentInstant();
        await IngestAsync(slo, Buckets(now - Duration.FromHours(1), now, bad: 100));
        var status = await app.Scenario(s => s.Get.Url($"/api/v1/slos/{slo}").StatusCodeShouldBe(200));
        status.Json.GetProperty("breaching").GetBoolean().ShouldBeTrue();
        var paged = status.Json.GetProperty("incidentId").GetString()!;
        (await HealthAsync(key)).ShouldBe(("incident SEV2 open; SLO review-precision breaching", "incident SEV2 open; SLO review-precision breaching"));

        app.Clock.Advance(Duration.FromMinutes(1));
        await app.Scenario(s => s.Post.Json(new { resolution = "Labels were late, not wrong." }).ToUrl($"/api/v1/incidents/{paged}/resolution").StatusCodeShouldBe(200));
        (await HealthAsync(key)).ShouldBe(("degraded (SLO review-precision breaching)", "degraded (SLO review-precision breaching)"));

        var before = await MarkdownAsync($"/api/v1/docs/models/{key}?at={Uri.EscapeDataString(Iso(calm))}");
        before.ShouldContain("| Health | ok |");
        var during = await MarkdownAsync($"/api/v1/docs/models/{key}?at={Uri.EscapeDataString(Iso(now + Duration.FromSeconds(30)))}");
        during.ShouldContain("| Health | incident SEV2 open; SLO review-precision breaching |");
    }

    [Fact]
    public async Task every_change_log_entry_and_deployment_links_to_its_event()
    {
        await app.ModelWithVersionsAsync("truth-links", "v1");
        var alice = await app.CreatePrincipalAsync("truth-alice", GovernanceApp.Role.Approver);
        await app.PromoteAsync("truth-links", "v1", "shadow", alice);
        await app.Scenario(s => s.Post.Json(new { title = "Runbook", body = "Restart the scorer." }).ToUrl("/api/v1/models/truth-links/notes").StatusCodeShouldBe(201));
        var doc = await MarkdownAsync("/api/v1/docs/models/truth-links");

        var rows = ChangeLogRow().Matches(doc);
        rows.Count.ShouldBe(doc[doc.IndexOf("## Change log", StringComparison.Ordinal)..].Split('\n').Count(l => l.StartsWith("| 20", StringComparison.Ordinal)));
        rows.Count.ShouldBeGreaterThan(5);
        foreach (Match row in rows)
        {
            var linked = await EventAtAsync(row.Groups["url"].Value);
            linked.GetProperty("type").GetString().ShouldBe(row.Groups["type"].Value);
            linked.GetProperty("streamId").GetString().ShouldBe(row.Groups["stream"].Value);
        }

        var deployment = DeploymentRow().Match(doc);
        deployment.Success.ShouldBeTrue(doc);
        var deployed = await EventAtAsync(deployment.Groups["url"].Value);
        deployed.GetProperty("type").GetString().ShouldBe("version_deployed");
        deployed.GetProperty("data").GetProperty("version").GetString().ShouldBe("v1");
        var history = HistoryLine().Match(doc);
        history.Success.ShouldBeTrue(doc);
        (await EventAtAsync(history.Groups["url"].Value)).GetProperty("type").GetString().ShouldBe("version_deployed");

        var html = await app.Scenario(s => s.Get.Url("/api/v1/docs/models/truth-links").WithHeader("Accept", "text/html").StatusCodeShouldBe(200));
        HtmlEventLink().Count(html.Body).ShouldBe(rows.Count + 2);
    }

    [Fact]
    public async Task a_note_keeps_its_paragraphs_lists_and_links_but_cannot_escape_its_section_or_run_code()
    {
        await app.RegisterModelAsync("truth-notes");
        const string body = """
            Restart order matters.
            Scorer first, then the cache.

            - drain traffic
            - restart

            # Not a section

            <script>alert(1)</script> and <b>bold</b>

            [runbook](https://wiki.example/runbook) [evil](javascript:alert(1)) [sibling](/docs/models/truth-links)

            ```
            a fence left open
            """;
        await app.Scenario(s => s.Post.Json(new { title = "Restarts", body }).ToUrl("/api/v1/models/truth-notes/notes").StatusCodeShouldBe(201));

        var doc = await MarkdownAsync("/api/v1/docs/models/truth-notes");
        var lines = doc.Split('\n');
        lines.ShouldContain("> - drain traffic");
        lines.ShouldContain("> #### Not a section");
        lines.ShouldNotContain("# Not a section");
        lines.ShouldContain("## Change log");
        doc.ShouldContain("&lt;script>");
        doc.ShouldContain("\\[evil](javascript:alert(1))");
        doc.ShouldContain("[runbook](https://wiki.example/runbook)");

        var page = (await app.Scenario(s => s.Get.Url("/api/v1/docs/models/truth-notes").WithHeader("Accept", "text/html").StatusCodeShouldBe(200))).Body;
        page.ShouldContain("Restart order matters.<br />");
        page.ShouldContain("<li>drain traffic</li>");
        page.ShouldContain("<h4>Not a section</h4>");
        page.ShouldContain("<h2>Change log</h2>");
        page.ShouldContain("<a href=\"https://wiki.example/runbook\">runbook</a>");
        page.ShouldContain("<a href=\"/docs/models/truth-links\">sibling</a>");
        page.ShouldNotContain("<script");
        page.ShouldNotContain("<b>");
        page.ShouldNotContain("href=\"javascript");
    }

    [Fact]
    public async Task the_budget_on_the_page_is_the_one_the_api_gives_even_when_overspent()
    {
        await app.RegisterModelAsync("truth-budget");
        var slo = await DefineSloAsync("truth-budget", "approval-precision");
        var before = app.Clock.GetCurrentInstant();
        app.Clock.Advance(Duration.FromMinutes(1));
        var now = app.Clock.GetCurrentInstant();

        // 115 bad of 2,000 two days ago: 5.75 % errors against a 5 % budget, and too old to page or ticket.
        await IngestAsync(slo, [new { from = Iso(now - Duration.FromDays(2)), to = Iso(now - Duration.FromDays(2) + Duration.FromMinutes(5)), good = 1885, total = 2000 }]);
        var status = await app.Scenario(s => s.Get.Url($"/api/v1/slos/{slo}").StatusCodeShouldBe(200));
        status.Json.GetProperty("errorBudgetRemaining").GetDouble().ShouldBe(-0.15);
        status.Json.GetProperty("breaching").GetBoolean().ShouldBeFalse();

        var doc = await MarkdownAsync("/api/v1/docs/models/truth-budget");
        doc.ShouldContain("| approval-precision | shadow | 0.95 | P7D | P0D | 94.25 % | \u221215 % (overspent) | ok |");
        var then = await MarkdownAsync($"/api/v1/docs/models/truth-budget?at={Uri.EscapeDataString(Iso(before))}");
        then.ShouldContain("| approval-precision | shadow | 0.95 | P7D | P0D | no data | 100 % | ok |");
    }

    [Theory]
    [InlineData(false, new string[0], new string[0], "ok")]
    [InlineData(true, new string[0], new string[0], "retired")]
    [InlineData(false, new[] { "review-precision" }, new string[0], "degraded (SLO review-precision breaching)")]
    [InlineData(false, new[] { "b", "a" }, new string[0], "degraded (SLOs a, b breaching)")]
    [InlineData(false, new string[0], new[] { "SEV2" }, "incident SEV2 open")]
    [InlineData(false, new[] { "review-precision" }, new[] { "SEV3", "SEV1", "SEV3" }, "3 incidents open, worst SEV1; SLO review-precision breaching")]
    [InlineData(true, new string[0], new[] { "SEV4" }, "retired; incident SEV4 open")]
    public void health_names_the_worst_open_incident_and_every_breaching_slo(bool retired, string[] slos, string[] incidents, string expected) =>
        ModelHealth.Describe(retired, slos, incidents).ShouldBe(expected);

    [Theory]
    [InlineData("open", true)]
    [InlineData("acknowledged", true)]
    [InlineData("mitigated", true)]
    [InlineData("resolved", false)]
    [InlineData("closed", false)]
    public void an_incident_counts_against_health_until_it_is_resolved(string status, bool open) =>
        ModelHealth.IsOpen(status).ShouldBe(open);

    [Theory]
    [InlineData(null, "—")]
    [InlineData(1.0, "100 %")]
    [InlineData(0.4567, "45.67 %")]
    [InlineData(0.0, "0 %")]
    [InlineData(-0.15, "\u221215 % (overspent)")]
    [InlineData(-0.0000001, "0 %")]
    [InlineData(-2.5, "\u2212250 % (overspent)")]
    public void the_budget_is_written_as_the_api_gives_it(double? remaining, string expected) =>
        MarkdownRenderer.Budget(remaining).ShouldBe(expected);

    [Theory]
    [InlineData("# Title", "> #### Title")]
    [InlineData("### Deep", "> ###### Deep")]
    [InlineData("Title\n=====\nafter", "> #### Title\n> after")]
    [InlineData("Two line\ntitle\n---", "> ##### Two line title")]
    [InlineData("a <b>bold</b> word", "> a &lt;b>bold&lt;/b> word")]
    [InlineData("<div>\nblock\n</div>", "> &lt;div>\n> block\n> &lt;/div>")]
    [InlineData("`a < b` stays code", "> `a < b` stays code")]
    [InlineData("[x](javascript:alert(1))", "> \\[x](javascript:alert(1))")]
    [InlineData("![x](data:image/png;base64,AA)", "> !\\[x](data:image/png;base64,AA)")]
    [InlineData("<javascript:alert(1)>", "> \\<javascript:alert(1)>")]
    [InlineData("[x][r]\n\n[r]: javascript:alert(1)", "> \\[x][r]\n>\n> \\[r]: javascript:alert(1)")]
    [InlineData("[ok](https://example.com) [rel](../x.md)", "> [ok](https://example.com) [rel](../x.md)")]
    [InlineData("one\n\n- a\n- b\n\n```\nopen fence", "> one\n>\n> - a\n> - b\n>\n> ```\n> open fence")]
    public void a_note_body_is_quoted_with_its_headings_demoted_and_its_html_and_unsafe_links_shown_as_text(string body, string expected) =>
        NoteMarkdown.Contain(body).ShouldBe(expected);

    [Theory]
    [InlineData("https://example.com", true)]
    [InlineData("HTTP://example.com", true)]
    [InlineData("/api/v1/streams/x/events", true)]
    [InlineData("models/x.md", true)]
    [InlineData("#section", true)]
    [InlineData("?at=2026-11-22T10:00:00Z", true)]
    [InlineData("a/b:c", true)]
    [InlineData("javascript:alert(1)", false)]
    [InlineData("JaVaScRiPt:alert(1)", false)]
    [InlineData("java\tscript:alert(1)", false)]
    [InlineData(" javascript:alert(1)", false)]
    [InlineData("data:text/html,<script>alert(1)</script>", false)]
    [InlineData("vbscript:x", false)]
    [InlineData("mailto:someone@example.com", false)]
    public void links_go_only_to_http_https_or_relative_addresses(string url, bool safe) =>
        DocsHtml.IsSafeUrl(url).ShouldBe(safe);

    private async Task<(string Index, string Page)> HealthAsync(string key)
    {
        await app.WaitForNonStaleProjectionsAsync();
        var index = await MarkdownAsync("/api/v1/docs/models");
        var row = index.Split('\n').Single(l => l.Contains($"(`{key}`)", StringComparison.Ordinal));
        var page = await MarkdownAsync($"/api/v1/docs/models/{key}");
        var health = page.Split('\n').Single(l => l.StartsWith("| Health | ", StringComparison.Ordinal));
        return (row.Split(" | ")[^1].TrimEnd(' ', '|'), health["| Health | ".Length..^" |".Length]);
    }

    private async Task<string> DefineSloAsync(string model, string name)
    {
        var result = await app.Scenario(s => s.Post.Json(new { name, model, stage = "shadow", objective = 0.95, window = "P7D", description = "Reviewed cases that were fraud" })
            .ToUrl("/api/v1/slos").StatusCodeShouldBe(201));
        return result.Json.GetProperty("id").GetString()!;
    }

    private static object[] Buckets(Instant from, Instant to, int bad)
    {
        var list = new List<object>();
        for (var t = from; t < to; t += Duration.FromMinutes(5))
        {
            list.Add(new { from = Iso(t), to = Iso(t + Duration.FromMinutes(5)), good = 100 - bad, total = 100 });
        }

        return [.. list];
    }

    private Task<IScenarioResult> IngestAsync(string slo, object[] buckets) =>
        app.Scenario(s => s.Post.Json(buckets).ToUrl($"/api/v1/slos/{slo}/measurements").StatusCodeShouldBe(202));

    private async Task<JsonElement> EventAtAsync(string url)
    {
        var result = await app.Scenario(s => s.Get.Url(url).StatusCodeShouldBe(200));
        var events = result.Json.GetProperty("events");
        events.GetArrayLength().ShouldBe(1, url);
        return events[0];
    }

    private async Task<string> MarkdownAsync(string url)
    {
        await app.WaitForNonStaleProjectionsAsync();
        return (await app.Scenario(s => s.Get.Url(url).StatusCodeShouldBe(200))).Body;
    }

    private static string Iso(Instant instant) => InstantPattern.ExtendedIso.Format(instant);

    [GeneratedRegex(@"^\| [^|]+ \| [^|]+ \| \[`(?<type>[a-z_]+)`\]\((?<url>/api/v1/streams/[^)]+)\) \| `(?<stream>[^`]+)` \|", RegexOptions.Multiline)]
    private static partial Regex ChangeLogRow();

    [GeneratedRegex(@"^\| shadow \| \*\*\[v1\]\((?<url>/api/v1/streams/deployment-truth-links-shadow/events\?fromVersion=1&toVersion=1)\)\*\* \|", RegexOptions.Multiline)]
    private static partial Regex DeploymentRow();

    [GeneratedRegex(@"^- \[[^\]]+\]\((?<url>/api/v1/streams/deployment-truth-links-shadow/[^)]+)\): v1 deployed to shadow", RegexOptions.Multiline)]
    private static partial Regex HistoryLine();

    [GeneratedRegex("<a href=\"/api/v1/streams/[^\"]+/events\\?fromVersion=\\d+&amp;toVersion=\\d+\">")]
    private static partial Regex HtmlEventLink();
}
