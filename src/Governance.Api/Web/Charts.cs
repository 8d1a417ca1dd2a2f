using System.Globalization;
using System.Net;
using System.Text;
using NodaTime;

namespace Governance.Api.Web;

/// <summary>One version's time in a stage, for the deployment timeline.</summary>
public sealed record StageInterval(string Version, Instant From, Instant? To, bool RolledBack);

/// <summary>One point of an SLO's error budget: what was left at <paramref name="At"/> (1 = all, 0 = spent, below 0 = overspent).</summary>
public sealed record BudgetPoint(Instant At, double Remaining);

/// <summary>One alert rule's noise: how often it fired and how much of that was ignored.</summary>
public sealed record NoiseBar(string Rule, long Fired, double IgnoredPercent, bool Noisy);

/// <summary>
/// Charts drawn by the server as SVG: a viewBox and no fixed size, so they scale to the page instead of being clipped;
/// each has role="img", a title and a description that says in words what the picture shows.
/// </summary>
public static class Charts
{
    private const double Width = 900;
    private const double Left = 110;
    private const double Right = 20;

    /// <summary>A model's stages as lanes, each version a bar from when it arrived to when it left; rolled-back ones marked.</summary>
    public static string DeploymentTimeline(IReadOnlyList<(string Stage, IReadOnlyList<StageInterval> Intervals)> lanes, Instant now, DateTimeZone zone)
    {
        ArgumentNullException.ThrowIfNull(lanes);
        var all = lanes.SelectMany(l => l.Intervals).ToList();
        var description = new StringBuilder();
        foreach (var (stage, intervals) in lanes)
        {
            description.Append(CultureInfo.InvariantCulture, $"{stage}: ");
            description.Append(intervals.Count == 0 ? "nothing deployed" : string.Join(", ", intervals.Select(i =>
                $"{i.Version} from {Local(i.From, zone)}{(i.To is { } to ? " to " + Local(to, zone) : " until now")}{(i.RolledBack ? " (rolled back)" : "")}")));
            description.Append(". ");
        }

        const double laneHeight = 40;
        var height = 40 + lanes.Count * laneHeight + 30;
        var svg = Open("Deployment timeline", description.ToString(), height);
        if (all.Count == 0)
        {
            svg.Append("<text x=\"20\" y=\"40\">Nothing has been deployed yet.</text></svg>");
            return svg.ToString();
        }

        var start = all.Min(i => i.From);
        var span = Math.Max((now - start).TotalSeconds, 60);
        double X(Instant t) => Left + (Width - Left - Right) * Math.Clamp((t - start).TotalSeconds / span, 0, 1);
        for (var lane = 0; lane < lanes.Count; lane++)
        {
            var y = 30 + lane * laneHeight;
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"8\" y=\"{y + 20}\" class=\"lane\">{Esc(lanes[lane].Stage)}</text>");
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{y + laneHeight - 4}\" x2=\"{Width - Right}\" y2=\"{y + laneHeight - 4}\" stroke=\"#c8c8c8\" />");
            var index = 0;
            foreach (var interval in lanes[lane].Intervals)
            {
                var x1 = X(interval.From);
                var x2 = Math.Max(X(interval.To ?? now), x1 + 3);
                var fill = interval.RolledBack ? "#a61b1b" : index++ % 2 == 0 ? "#0b5394" : "#336ea8";
                svg.Append(CultureInfo.InvariantCulture,
                    $"<rect x=\"{x1:0.#}\" y=\"{y + 6}\" width=\"{x2 - x1:0.#}\" height=\"24\" fill=\"{fill}\"><title>{Esc(interval.Version)}: {Esc(Local(interval.From, zone))} to {(interval.To is { } to ? Esc(Local(to, zone)) : "now")}{(interval.RolledBack ? " (rolled back)" : "")}</title></rect>");
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x1 + 4:0.#}\" y=\"{y + 23}\" fill=\"#fff\" class=\"bar\">{Esc(interval.Version)}{(interval.RolledBack ? " ↩" : "")}</text>");
            }
        }

        var axisY = 30 + lanes.Count * laneHeight + 20;
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"{axisY}\" class=\"axis\">{Esc(Local(start, zone))}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width - Right}\" y=\"{axisY}\" text-anchor=\"end\" class=\"axis\">now</text>");
        svg.Append("</svg>");
        return svg.ToString();
    }

    /// <summary>An SLO's error budget left over its window, with each breach marked by a red line.</summary>
    public static string ErrorBudget(IReadOnlyList<BudgetPoint> points, IReadOnlyList<Instant> breaches, Instant windowStart, Instant now, DateTimeZone zone)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(breaches);
        const double height = 300;
        const double top = 20;
        const double bottom = 260;
        var last = points.Count > 0 ? points[^1].Remaining : (double?)null;
        var description = last is { } remaining
            ? $"Error budget left fell from {Percent(points[0].Remaining)} to {Percent(remaining)} between {Local(points[0].At, zone)} and {Local(points[^1].At, zone)}; {breaches.Count} breach{(breaches.Count == 1 ? "" : "es")} marked."
            : "No measurements in the window yet.";
        var svg = Open("Error budget over the window", description, height);
        var span = Math.Max((now - windowStart).TotalSeconds, 60);
        double X(Instant t) => Left + (Width - Left - Right) * Math.Clamp((t - windowStart).TotalSeconds / span, 0, 1);

        // From 100% left at the top down to the most overspent point (at least -100%); zero is the line that matters.
        var lowest = Math.Min(-1, Math.Floor(points.Select(p => p.Remaining).DefaultIfEmpty(0).Min() * 2) / 2);
        double Y(double remaining) => top + (bottom - top) * (1 - Math.Clamp(remaining, lowest, 1)) / (1 - lowest);
        foreach (var level in new[] { 1.0, 0.5, 0.0, lowest / 2, lowest })
        {
            var y = Y(level);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{y:0.#}\" x2=\"{Width - Right}\" y2=\"{y:0.#}\" stroke=\"{(level == 0 ? "#1a1a1a" : "#dddddd")}\" />");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 8}\" y=\"{y + 5:0.#}\" text-anchor=\"end\" class=\"axis\">{Percent(level)}</text>");
        }

        if (points.Count > 0)
        {
            var path = string.Join(" ", points.Select((p, i) => string.Create(CultureInfo.InvariantCulture, $"{(i == 0 ? "M" : "L")}{X(p.At):0.#},{Y(p.Remaining):0.#}")));
            svg.Append(CultureInfo.InvariantCulture, $"<path d=\"{path}\" fill=\"none\" stroke=\"#0b5394\" stroke-width=\"3\" />");
        }
        else
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left + 20}\" y=\"{Y(0.5)}\">No measurements in the window yet.</text>");
        }

        foreach (var breach in breaches)
        {
            var x = X(breach);
            svg.Append(CultureInfo.InvariantCulture,
                $"<g class=\"breach\"><line x1=\"{x:0.#}\" y1=\"{top}\" x2=\"{x:0.#}\" y2=\"{bottom}\" stroke=\"#a61b1b\" stroke-width=\"2\" stroke-dasharray=\"6 4\" /><text x=\"{(x > Width - 80 ? x - 4 : x + 4):0.#}\" y=\"{top + 14}\" text-anchor=\"{(x > Width - 80 ? "end" : "start")}\" fill=\"#a61b1b\">breach</text><title>Breach at {Esc(Local(breach, zone))}</title></g>");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"{height - 12}\" class=\"axis\">{Esc(Local(windowStart, zone))}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width - Right}\" y=\"{height - 12}\" text-anchor=\"end\" class=\"axis\">now</text>");
        svg.Append("</svg>");
        return svg.ToString();
    }

    /// <summary>One bar per alert rule: how often it fired, the ignored share darker; noisy rules named as such.</summary>
    public static string Noise(IReadOnlyList<NoiseBar> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        const double row = 34;
        var height = 30 + Math.Max(rules.Count, 1) * row;
        var description = rules.Count == 0
            ? "No alert has fired."
            : string.Join(" ", rules.Select(r => $"{r.Rule}: fired {r.Fired} times, {r.IgnoredPercent:0}% ignored{(r.Noisy ? " (noisy)" : "")}."));
        var svg = Open("Alert noise per rule", description, height);
        var max = Math.Max(rules.Count == 0 ? 1 : rules.Max(r => r.Fired), 1);
        const double barLeft = 220;
        for (var i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            var y = 15 + i * row;
            var full = (Width - barLeft - 120) * rule.Fired / max;
            var ignored = full * Math.Clamp(rule.IgnoredPercent / 100, 0, 1);
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"8\" y=\"{y + 18}\">{Esc(rule.Rule)}</text>");
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{barLeft}\" y=\"{y + 2}\" width=\"{full:0.#}\" height=\"22\" fill=\"#7fa7d1\" />");
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{barLeft}\" y=\"{y + 2}\" width=\"{ignored:0.#}\" height=\"22\" fill=\"#a61b1b\" />");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{barLeft + full + 6:0.#}\" y=\"{y + 18}\">{rule.Fired} fired, {rule.IgnoredPercent:0}% ignored{(rule.Noisy ? " · noisy" : "")}</text>");
        }

        svg.Append("</svg>");
        return svg.ToString();
    }

    private static StringBuilder Open(string title, string description, double height)
    {
        var id = "c" + Guid.NewGuid().ToString("N")[..8];
        return new StringBuilder().Append(CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {Width} {height:0}\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\" font-family=\"system-ui, sans-serif\" font-size=\"14\">" +
            $"<title id=\"{id}-t\">{Esc(title)}</title><desc id=\"{id}-d\">{Esc(description)}</desc>");
    }

    private static string Percent(double value) => (value * 100).ToString("0", CultureInfo.InvariantCulture) + "%";

    private static string Local(Instant at, DateTimeZone zone) => at.InZone(zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    private static string Esc(string text) => WebUtility.HtmlEncode(text);
}
