using System.CommandLine;
using System.Text;
using Governance.Cli.Core;

namespace Governance.Cli.Docs;

/// <summary><c>gov docs</c>: GET /docs/models/{key} as Markdown (or HTML), to a file or stdout.</summary>
public static class WriteDocs
{
    public static Command Create(Runner run)
    {
        var model = new Argument<string>("model") { Description = "The model's key" };
        var at = new Option<string?>("--at") { Description = "The document as it read at this instant (ISO-8601 UTC) [default: now]", HelpName = "instant" };
        var html = new Option<bool>("--html") { Description = "HTML instead of Markdown" };
        var file = new Option<string?>("--file", "-o") { Description = "Write the document to this file [default: stdout]", HelpName = "file" };
        var command = new Command("docs", """
            The model's generated documentation (overview, deployments, lineage, evaluations, incidents, change log), as Markdown or HTML.

            Example: gov docs fraud-detector -o docs/models/fraud-detector.md
            """)
        {
            model, at, html, file,
        };
        command.SetAction(run.Action(async (session, parse, ct) =>
        {
            var query = parse.GetValue(at) is { } instant ? $"?at={Uri.EscapeDataString(instant)}" : "";
            var response = await session.Api.GetAsync($"docs/models/{Uri.EscapeDataString(parse.GetValue(model)!)}{query}", ct,
                parse.GetValue(html) ? "text/html" : "text/markdown");
            if (parse.GetValue(file) is not { } target)
            {
                await session.Out.WriteAsync(response.Body);
                return ExitCodes.Done;
            }

            var path = session.ResolvePath(target);
            if (Path.GetDirectoryName(path) is { Length: > 0 } folder)
            {
                Directory.CreateDirectory(folder);
            }

            var bytes = new UTF8Encoding(false).GetBytes(response.Body);
            await File.WriteAllBytesAsync(path, bytes, ct);
            await session.Out.WriteLineAsync(session.Json
                ? System.Text.Json.JsonSerializer.Serialize(new { path, bytes = bytes.Length })
                : $"Wrote {target} ({bytes.Length} bytes).");
            return ExitCodes.Done;
        }));
        return command;
    }
}
