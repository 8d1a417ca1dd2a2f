using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Governance.Web.Tests.Harness;
using Microsoft.Playwright;

namespace Governance.Web.Tests;

[Collection(WebCollection.Name)]
public sealed class AccessibilityTests(WebApp app)
{
    // Every WCAG 2.0, 2.1 and 2.2 rule at levels A and AA that axe knows, colour contrast included.
    private static readonly AxeRunOptions Wcag = new()
    {
        RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"] },
    };

    [Fact]
    public async Task every_page_of_the_web_app_passes_the_wcag_a_and_aa_rules()
    {
        await app.InProductionAsync();
        var (promotion, _) = await app.PendingPromotionAsync();
        var incident = (await app.SendAsync("rita", "POST", "/api/v1/incidents", new
        {
            model = WebApp.OpsModel, severity = "SEV3", title = "Feature freshness lagging", description = "The nightly features are six hours late.", source = "user-report",
        })).GetProperty("id").GetString()!;
        await app.SendAsync("rita", "POST", "/api/v1/alerts", new { rule = "freshness", model = WebApp.OpsModel, severity = "SEV4", summary = "features 6h old" });
        var slo = (await app.SendAsync("rita", "POST", "/api/v1/slos", new
        {
            name = "churn-freshness-" + Guid.NewGuid().ToString("N")[..6], model = WebApp.OpsModel, stage = "production", objective = 0.99, window = "P1D",
            labelDelay = "PT1M", description = "Features younger than an hour.",
        })).GetProperty("id").GetString()!;
        var start = DateTimeOffset.UtcNow.AddMinutes(-30);
        await app.SendAsync("rita", "POST", $"/api/v1/slos/{slo}/measurements", Enumerable.Range(0, 5).Select(i => new
        {
            from = start.AddMinutes(i * 5).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
            to = start.AddMinutes((i + 1) * 5).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
            good = i < 3 ? 1000 : 900,
            total = 1000,
        }).ToArray());

        var violations = new List<string>();
        var anonymous = await app.NewPageAsync();
        await CheckAsync(anonymous, "/sign-in", violations);
        var approver = await app.SignedInAsync("alex");
        foreach (var path in new[] { "/", "/inbox", $"/promotions/{promotion}", "/models", $"/models/{WebApp.Model}", $"/models/{WebApp.Model}/changes" })
        {
            await CheckAsync(approver, path, violations);
        }

        var onCall = await app.SignedInAsync("olga");
        foreach (var path in new[] { "/", $"/teams/{WebApp.Team}/queue", $"/incidents/{incident}", $"/slos/{slo}", "/alerts/noise" })
        {
            await CheckAsync(onCall, path, violations);
        }

        violations.ShouldBeEmpty(string.Join("\n", violations));
    }

    [Fact]
    public async Task the_chart_text_check_finds_grey_text_on_white_and_white_text_on_a_pale_bar()
    {
        var page = await app.NewPageAsync();
        await page.SetContentAsync("""
            <svg viewBox="0 0 400 100" width="400" height="100">
              <text x="10" y="20" fill="#999999">grey</text>
              <rect x="0" y="40" width="400" height="30" fill="#7fa7d1" /><text x="10" y="60" fill="#ffffff">pale</text>
              <text x="200" y="20" fill="#1a1a1a">dark</text>
            </svg>
            """);

        var low = await page.EvaluateAsync<string[]>(SvgTextContrast);

        low.Length.ShouldBe(2, string.Join("; ", low));
        low.ShouldContain(l => l.StartsWith("\"grey\"", StringComparison.Ordinal));
        low.ShouldContain(l => l.StartsWith("\"pale\"", StringComparison.Ordinal));
    }

    // WCAG 2 contrast of each chart label against the bar under its middle, or the white page when there is none.
    private const string SvgTextContrast = """
        () => {
          const channel = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
          const luminance = color => {
            const [r, g, b] = color.match(/[\d.]+/g).map(Number);
            return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
          };
          const low = [];
          for (const text of document.querySelectorAll('svg text')) {
            text.scrollIntoView({ block: 'center' });
            const box = text.getBoundingClientRect();
            let background = 'rgb(255, 255, 255)';
            for (const under of document.elementsFromPoint(box.left + box.width / 2, box.top + box.height / 2)) {
              const tag = under.tagName.toLowerCase();
              if (tag === 'rect') { background = getComputedStyle(under).fill; break; }
              if (tag === 'svg') { break; }
            }
            const [a, b] = [luminance(getComputedStyle(text).fill), luminance(background)];
            const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
            if (ratio < 4.5) { low.push(`"${text.textContent}" ${getComputedStyle(text).fill} on ${background}: ${ratio.toFixed(2)}`); }
          }
          return low;
        }
        """;

    private static async Task CheckAsync(IPage page, string path, List<string> violations)
    {
        var response = await page.GotoAsync(path);
        response.ShouldNotBeNull().Ok.ShouldBeTrue($"{path} answered {response!.Status}");
        var result = await page.RunAxe(Wcag);
        // Guards against a run that checked nothing (a rule set filtered away, a page that did not render).
        result.Passes.Select(p => p.Id).ShouldContain("color-contrast", $"{path}: contrast was not checked");
        // Axe cannot tell what is behind text in an SVG and leaves it undecided; the charts' text is measured below instead.
        foreach (var unsure in result.Incomplete)
        {
            foreach (var node in unsure.Nodes.Where(n => !n.Html.StartsWith("<text", StringComparison.Ordinal)))
            {
                violations.Add($"{path}: axe could not decide {unsure.Id} at {node.Target} — {node.Html}");
            }
        }

        foreach (var low in await page.EvaluateAsync<string[]>(SvgTextContrast))
        {
            violations.Add($"{path}: chart text contrast below 4.5:1 — {low}");
        }

        foreach (var violation in result.Violations)
        {
            foreach (var node in violation.Nodes)
            {
                violations.Add($"{path}: {violation.Id} ({violation.Help}) at {node.Target} — {node.Html}");
            }
        }
    }
}
