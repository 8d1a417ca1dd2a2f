using System.Text;
using Markdig;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace Governance.Api.Docs;

/// <summary>
/// A knowledge note's body keeps its Markdown (paragraphs, lists, emphasis, code, links) but stays inside its note:
/// it is quoted, so an unclosed code fence or a table ends with the note; its headings are demoted below the note's
/// title; raw HTML is shown as text; and a link that is not http, https or relative is shown as text, not followed.
/// </summary>
public static class NoteMarkdown
{
    // Notes are titled at level 3: their own headings start at 4.
    private const int HeadingShift = 3;

    private static readonly MarkdownPipeline Parser = new MarkdownPipelineBuilder()
        .UsePipeTables().UseEmphasisExtras().UsePreciseSourceLocation().Build();

    /// <summary>The body, made safe to place in the document, as a block quote.</summary>
    public static string Contain(string body)
    {
        var text = body.ReplaceLineEndings("\n").TrimEnd('\n');
        var edits = new List<(int At, int Length, string With)>();
        var document = Markdown.Parse(text, Parser);
        foreach (var node in document.Descendants())
        {
            switch (node)
            {
                case HeadingBlock { IsSetext: true } heading:
                    DemoteSetext(text, heading, edits);
                    break;
                case HeadingBlock heading when text.IndexOf('#', heading.Span.Start) is var hashes and >= 0:
                    edits.Add((hashes, heading.Level, new string('#', Math.Min(6, heading.Level + HeadingShift))));
                    break;
                case HtmlBlock or HtmlInline:
                    EscapeAngles(text, node.Span, edits);
                    break;
                case LinkInline link when !DocsHtml.IsSafeUrl(link.Url):
                    // A backslash before the bracket makes it text: "[x](javascript:…)" is shown, never followed.
                    edits.Add((link.Span.Start + (link.IsImage ? 1 : 0), 0, "\\"));
                    break;
                case AutolinkInline autolink when autolink.IsEmail || !DocsHtml.IsSafeUrl(autolink.Url):
                    edits.Add((autolink.Span.Start, 0, "\\"));
                    break;
                case LinkReferenceDefinition definition when !DocsHtml.IsSafeUrl(definition.Url) && text.IndexOf('[', definition.Span.Start) is var open and >= 0:
                    // Definitions are global to the page: one here must not arm a reference in another note.
                    edits.Add((open, 0, "\\"));
                    break;
            }
        }

        var result = new StringBuilder(text);
        // From the end, so earlier positions stay valid; at one position the edit found later goes first, so a heading's
        // marker ends up before an escape of the link it starts with.
        foreach (var (at, length, with) in edits.Select((e, i) => (e, i)).OrderByDescending(x => x.e.At).ThenByDescending(x => x.i).Select(x => x.e))
        {
            result.Remove(at, length).Insert(at, with);
        }

        return string.Join('\n', result.ToString().Split('\n').Select(line => line.Length == 0 ? ">" : "> " + line));
    }

    // "Title\n=====" becomes "#### Title": the underline goes, continuation lines join the first.
    private static void DemoteSetext(string text, HeadingBlock heading, List<(int, int, string)> edits)
    {
        var underline = text.LastIndexOf('\n', heading.Span.End);
        if (underline < heading.Span.Start)
        {
            return;
        }

        edits.Add((underline, heading.Span.End - underline + 1, ""));
        for (var i = heading.Span.Start; i < underline; i++)
        {
            if (text[i] == '\n')
            {
                edits.Add((i, 1, " "));
            }
        }

        edits.Add((heading.Span.Start, 0, new string('#', Math.Min(6, heading.Level + HeadingShift)) + " "));
    }

    private static void EscapeAngles(string text, SourceSpan span, List<(int, int, string)> edits)
    {
        for (var i = span.Start; i <= span.End && i < text.Length; i++)
        {
            if (text[i] == '<')
            {
                edits.Add((i, 1, "&lt;"));
            }
        }
    }
}
