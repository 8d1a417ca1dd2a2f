using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Governance.Api.Audit;
using NodaTime.Text;

namespace Governance.Api.Docs;

/// <summary>The events of a stream as a page: what a document's link to an event shows in a browser.</summary>
public static class StreamPage
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The page body; <paramref name="narrowed"/> when only some versions were asked for.</summary>
    public static string Render(GetStreamEvents.StreamEvents stream, bool narrowed)
    {
        var id = WebUtility.HtmlEncode(stream.StreamId);
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"<p><a href=\"/docs\">All models</a></p>\n<h1>Stream <code>{id}</code></h1>\n");
        html.Append(CultureInfo.InvariantCulture, $"<p>Version {stream.Version}; {stream.Events.Count} event{(stream.Events.Count == 1 ? "" : "s")} shown");
        html.Append(narrowed ? $" · <a href=\"/docs/streams/{Uri.EscapeDataString(stream.StreamId)}\">the whole stream</a>" : "");
        html.Append(CultureInfo.InvariantCulture, $" · as JSON: <code>GET /api/v1/streams/{id}/events</code></p>\n");
        foreach (var e in stream.Events)
        {
            var actor = e.Metadata.ValueKind == JsonValueKind.Object && e.Metadata.TryGetProperty("actor", out var a) ? a.ToString() : "?";
            html.Append(CultureInfo.InvariantCulture, $"<h2 id=\"v{e.Version}\">{e.Version}. <code>{WebUtility.HtmlEncode(e.Type)}</code></h2>\n");
            html.Append(CultureInfo.InvariantCulture,
                $"<p>Recorded {InstantPattern.ExtendedIso.Format(e.RecordedAt)} by {WebUtility.HtmlEncode(actor)} · position {e.Position} · hash <code>{e.Hash}</code></p>\n");
            html.Append(CultureInfo.InvariantCulture, $"<pre>{WebUtility.HtmlEncode(JsonSerializer.Serialize(e.Data, Indented))}</pre>\n");
        }

        return html.ToString();
    }
}
