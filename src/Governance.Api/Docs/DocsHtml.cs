using Markdig;
using Markdig.Helpers;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace Governance.Api.Docs;

/// <summary>
/// The HTML of a generated document. Raw HTML in the Markdown is never passed through (people's text is in it), links
/// go only to http, https or relative addresses, images become links, and the lineage graph is drawn as inline SVG.
/// </summary>
public static class DocsHtml
{
    // A line break typed in a note is kept, as people expect from a text box; the generated text has no soft breaks.
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UsePipeTables().UseEmphasisExtras().UseSoftlineBreakAsHardlineBreak().DisableHtml().Build();

    /// <summary>The document's body as HTML; <paramref name="relink"/> may point the document's own links elsewhere.</summary>
    public static string Render(string markdown, Func<string, string>? relink = null)
    {
        var document = Markdown.Parse(markdown, Pipeline);

        // Only the document's own graph, at the top level: a fence quoted inside a note stays code.
        foreach (var fence in document.OfType<FencedCodeBlock>().Where(f => f.Info == "mermaid").ToList())
        {
            document[document.IndexOf(fence)] = new HtmlBlock(null)
            {
                Lines = new StringLineGroup("<figure class=\"lineage\">" + LineageSvg.Render(fence.Lines.ToString()) + "</figure>"),
            };
        }

        foreach (var link in document.Descendants<LinkInline>().ToList())
        {
            if (link.IsImage)
            {
                // No tracking pixels and nothing fetched on reading: an image is offered as a link to it.
                link.IsImage = false;
                if (link.FirstChild is null)
                {
                    link.AppendChild(new LiteralInline(link.Url ?? "image"));
                }
            }

            if (!IsSafeUrl(link.Url))
            {
                Unwrap(link);
            }
            else if (relink is not null && link.Url is { } url)
            {
                link.Url = relink(url);
            }
        }

        foreach (var autolink in document.Descendants<AutolinkInline>().ToList())
        {
            if (autolink.IsEmail || !IsSafeUrl(autolink.Url))
            {
                autolink.ReplaceBy(new LiteralInline(autolink.Url));
            }
        }

        return Markdown.ToHtml(document, Pipeline);
    }

    /// <summary>
    /// An http, https or relative address. Browsers ignore spaces and control characters inside a scheme
    /// ("java\tscript:"), so they are dropped before looking for one.
    /// </summary>
    public static bool IsSafeUrl(string? url)
    {
        if (string.IsNullOrEmpty(url))
        {
            return true;
        }

        var cleaned = new string([.. url.Where(c => c > ' ')]);
        var end = cleaned.AsSpan().IndexOfAny(":/?#");
        if (end < 0 || cleaned[end] != ':')
        {
            return true;
        }

        var scheme = cleaned[..end];
        return scheme.Equals("http", StringComparison.OrdinalIgnoreCase) || scheme.Equals("https", StringComparison.OrdinalIgnoreCase);
    }

    // The link's text stays where it was, without the link.
    private static void Unwrap(LinkInline link)
    {
        foreach (var child in link.ToList())
        {
            child.Remove();
            link.InsertBefore(child);
        }

        link.Remove();
    }
}
