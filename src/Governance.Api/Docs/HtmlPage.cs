using System.Net;

namespace Governance.Api.Docs;

/// <summary>A plain, printable HTML page around rendered Markdown: no scripts, no framework, works offline.</summary>
public static class HtmlPage
{
    /// <summary>Wraps a body.</summary>
    public static string Wrap(string title, string body) => $$"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{{WebUtility.HtmlEncode(title)}} · Governance</title>
        <style>
          body { font: 15px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #1f2328; }
          table { border-collapse: collapse; margin: 1rem 0; width: 100%; }
          th, td { border: 1px solid #d0d7de; padding: .3rem .5rem; text-align: left; vertical-align: top; }
          th { background: #f6f8fa; }
          code, pre { font-family: ui-monospace, monospace; background: #f6f8fa; }
          pre { padding: .75rem; overflow-x: auto; }
          h1 { border-bottom: 1px solid #d0d7de; padding-bottom: .3rem; }
          figure.lineage { margin: 1rem 0; overflow-x: auto; }
          blockquote { margin: .5rem 0; padding: 0 1rem; border-left: 3px solid #d0d7de; }
          form.asof { margin: 0 0 1rem; font-size: .9rem; }
          @media print { body { max-width: none; } a { color: inherit; } }
        </style>
        </head>
        <body>
        {{body}}
        </body>
        </html>
        """;
}
