using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Governance.Api.Docs;

/// <summary>
/// Draws the document's Mermaid lineage block as an inline SVG on the server, so the HTML page shows the
/// graph without scripts and offline. Columns are the longest path from a source (data on the left, versions on the right).
/// </summary>
public static partial class LineageSvg
{
    private const int ColumnWidth = 230;
    private const int RowHeight = 46;
    private const int BoxWidth = 190;
    private const int BoxHeight = 30;

    /// <summary>Draws one graph from our Mermaid subset (<c>id["label"]</c> and <c>a -->|kind| b</c> lines).</summary>
    public static string Render(string mermaid)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var edges = new List<(string From, string To, string Kind)>();
        foreach (var line in mermaid.Split('\n'))
        {
            if (NodeLine().Match(line) is { Success: true } node)
            {
                labels[node.Groups[1].Value] = node.Groups[2].Value;
            }
            else if (EdgeLine().Match(line) is { Success: true } edge)
            {
                edges.Add((edge.Groups[1].Value, edge.Groups[3].Value, edge.Groups[2].Value));
            }
        }

        var depth = labels.Keys.ToDictionary(k => k, _ => 0, StringComparer.Ordinal);
        for (var pass = 0; pass < labels.Count; pass++)
        {
            var changed = false;
            foreach (var (from, to, _) in edges)
            {
                if (depth.TryGetValue(from, out var d) && depth.TryGetValue(to, out var t) && t < d + 1)
                {
                    depth[to] = d + 1;
                    changed = true;
                }
            }

            if (!changed)
            {
                break;
            }
        }

        var position = new Dictionary<string, (int X, int Y)>(StringComparer.Ordinal);
        foreach (var column in depth.GroupBy(kv => kv.Value))
        {
            var row = 0;
            foreach (var (id, _) in column.OrderBy(kv => labels[kv.Key], StringComparer.Ordinal))
            {
                position[id] = (10 + (column.Key * ColumnWidth), 10 + (row++ * RowHeight));
            }
        }

        var width = position.Count == 0 ? 20 : position.Values.Max(p => p.X) + BoxWidth + 10;
        var height = position.Count == 0 ? 20 : position.Values.Max(p => p.Y) + BoxHeight + 10;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"Lineage graph\">");
        svg.Append("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#57606a\"/></marker></defs>");
        foreach (var (from, to, kind) in edges)
        {
            if (!position.TryGetValue(from, out var a) || !position.TryGetValue(to, out var b))
            {
                continue;
            }

            svg.Append(CultureInfo.InvariantCulture,
                $"<line x1=\"{a.X + BoxWidth}\" y1=\"{a.Y + (BoxHeight / 2)}\" x2=\"{b.X}\" y2=\"{b.Y + (BoxHeight / 2)}\" stroke=\"#57606a\" marker-end=\"url(#arrow)\"><title>{WebUtility.HtmlEncode(kind)}</title></line>");
        }

        foreach (var (id, (x, y)) in position)
        {
            var label = labels[id];
            var fill = label.StartsWith("run ", StringComparison.Ordinal) ? "#fff8c5" : label.Contains('@', StringComparison.Ordinal) && depth[id] == 0 ? "#ddf4ff" : "#dafbe1";
            svg.Append(CultureInfo.InvariantCulture,
                $"<g><rect x=\"{x}\" y=\"{y}\" width=\"{BoxWidth}\" height=\"{BoxHeight}\" rx=\"5\" fill=\"{fill}\" stroke=\"#57606a\"/>" +
                $"<text x=\"{x + 8}\" y=\"{y + 20}\" font-size=\"12\" font-family=\"ui-monospace, monospace\">{WebUtility.HtmlEncode(Shorten(label))}</text></g>");
        }

        svg.Append("</svg>");
        return svg.ToString();
    }

    private static string Shorten(string label) => label.Length > 28 ? label[..27] + "…" : label;

    [GeneratedRegex("^\\s*(n\\d+)\\[\"(.*)\"\\]\\s*$")]
    private static partial Regex NodeLine();

    [GeneratedRegex("^\\s*(n\\d+) -->\\|([a-z_]+)\\| (n\\d+)\\s*$")]
    private static partial Regex EdgeLine();
}
