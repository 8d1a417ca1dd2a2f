using System.IO.Compression;
using System.Text;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Time;
using NodaTime.Text;
using Npgsql;

namespace Governance.Api.Docs;

/// <summary>
/// GET /docs/models/{key} (Markdown by default, HTML for Accept: text/html; ?at= for the document as it read then),
/// GET /docs/models (the index) and GET /docs/export (a zip of the whole site in Markdown).
/// </summary>
public static class GetModelDoc
{
    /// <summary>Maps the endpoints.</summary>
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/docs/models/{key}", async (string key, HttpContext http, NpgsqlDataSource db, NodaTime.IClock clock, CancellationToken ct, QueryInstant? at = null) =>
            {
                string? markdown;
                if (at is { } asOf)
                {
                    markdown = await RenderAsync(db, key, asOf.Value, clock.GetCurrentInstant(), ct);
                }
                else
                {
                    markdown = await StoredAsync(db, key, ct) ?? await RenderAsync(db, key, null, clock.GetCurrentInstant(), ct);
                }

                if (markdown is null)
                {
                    return DomainError.NotFound(at is null ? $"No model '{key}'." : $"Model '{key}' did not exist at {at}.").ToResult();
                }

                return WantsHtml(http)
                    ? Results.Content(HtmlPage.Wrap(key, DocsHtml.Render(markdown)), "text/html; charset=utf-8")
                    : Results.Content(markdown, "text/markdown; charset=utf-8");
            })
            .RequireRole(Roles.Viewer).WithTags("Docs").WithName("GetModelDoc")
            .WithSummary("The generated document of a model: Markdown (default) or HTML; at= for any past instant.")
            .Produces<string>(StatusCodes.Status200OK, "text/markdown", "text/html").ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/docs/models", async (HttpContext http, NpgsqlDataSource db, CancellationToken ct) =>
            {
                var index = await IndexAsync(db, ct);
                return WantsHtml(http)
                    ? Results.Content(HtmlPage.Wrap("Models", DocsHtml.Render(index)), "text/html; charset=utf-8")
                    : Results.Content(index, "text/markdown; charset=utf-8");
            })
            .RequireRole(Roles.Viewer).WithTags("Docs").WithName("GetDocsIndex")
            .WithSummary("The index of all models with their production version and health (open incidents by severity, breaching SLOs).")
            .Produces<string>(StatusCodes.Status200OK, "text/markdown", "text/html");

        api.MapGet("/docs/export", async (NpgsqlDataSource db, NodaTime.IClock clock, CancellationToken ct) =>
            {
                using var buffer = new MemoryStream();
                using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
                {
                    await WriteEntryAsync(zip, "index.md", await IndexAsync(db, ct), ct);
                    foreach (var key in await KeysAsync(db, ct))
                    {
                        var markdown = await StoredAsync(db, key, ct) ?? await RenderAsync(db, key, null, clock.GetCurrentInstant(), ct);
                        if (markdown is not null)
                        {
                            await WriteEntryAsync(zip, $"models/{key}.md", markdown, ct);
                        }
                    }
                }

                return Results.File(buffer.ToArray(), "application/zip", "governance-docs.zip");
            })
            .RequireRole(Roles.Viewer).WithTags("Docs").WithName("ExportDocs")
            .WithSummary("A zip of the whole documentation site in Markdown.")
            .Produces<byte[]>(contentType: "application/zip");
    }

    /// <summary>The document built from the events up to <paramref name="asOf"/> (all when null); null when the model did not exist.</summary>
    public static async Task<string?> RenderAsync(NpgsqlDataSource db, string key, NodaTime.Instant? asOf, NodaTime.Instant now, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var (document, _) = await ModelHistory.BuildAsync(connection, null, key, asOf, now, ct);
        return document.Exists ? MarkdownRenderer.Render(document, asOf is { } at ? InstantPattern.ExtendedIso.Format(at) : null) : null;
    }

    /// <summary>How long a stored document of a model with SLOs is served: its attainment and budget move with the clock.</summary>
    public static readonly TimeSpan SloFiguresFreshFor = TimeSpan.FromMinutes(1);

    private static async Task<string?> StoredAsync(NpgsqlDataSource db, string key, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            "SELECT d.markdown FROM governance.model_docs d WHERE d.key = $1 AND NOT d.stale " +
            "AND (d.generated_at > clock_timestamp() - $2 OR NOT EXISTS (SELECT 1 FROM governance.slos s WHERE s.model = d.key))");
        cmd.Parameters.Add(new() { Value = key });
        cmd.Parameters.Add(new() { Value = SloFiguresFreshFor });
        return await cmd.ExecuteScalarAsync(ct) as string;
    }

    private static async Task<List<string>> KeysAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT key FROM governance.models ORDER BY key");
        var keys = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            keys.Add(reader.GetString(0));
        }

        return keys;
    }

    /// <summary>The index of all models, Markdown.</summary>
    public static Task<string> IndexMarkdownAsync(NpgsqlDataSource db, CancellationToken ct) => IndexAsync(db, ct);

    private static async Task<string> IndexAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            SELECT m.key, m.name, m.team, m.stages[array_upper(m.stages, 1)],
                   (SELECT d.version FROM governance.current_deployments d WHERE d.model = m.key AND d.stage = m.stages[array_upper(m.stages, 1)]),
                   m.retired_at IS NOT NULL,
                   coalesce((SELECT array_agg(s.name) FROM governance.slos s WHERE s.model = m.key
                             AND EXISTS (SELECT 1 FROM governance.slo_breaches b WHERE b.slo_id = s.id AND b.recovered_at IS NULL)), '{}'),
                   coalesce((SELECT array_agg(i.severity) FROM governance.incidents i
                             WHERE i.model = m.key AND i.severity IS NOT NULL AND lower(i.status) NOT IN ('resolved', 'closed')), '{}')
            FROM governance.models m ORDER BY m.key
            """);
        var md = new StringBuilder("# Models\n\n| Model | Team | In production | Health |\n|---|---|---|---|\n");
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var key = reader.GetString(0);
            var production = reader.IsDBNull(4) ? "—" : $"{reader.GetString(4)} ({reader.GetString(3)})";
            var health = ModelHealth.Describe(reader.GetBoolean(5), reader.GetFieldValue<string[]>(6), reader.GetFieldValue<string[]>(7));
            md.Append(System.Globalization.CultureInfo.InvariantCulture,
                $"| [{MarkdownRenderer.Escape(reader.GetString(1))}](models/{key}.md) (`{key}`) | {MarkdownRenderer.Escape(reader.GetString(2))} | {production} | {MarkdownRenderer.Escape(health)} |\n");
        }

        return md.ToString();
    }

    private static async Task WriteEntryAsync(ZipArchive zip, string name, string text, CancellationToken ct)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.Fastest);
        await using var stream = await entry.OpenAsync(ct);
        await stream.WriteAsync(Encoding.UTF8.GetBytes(text), ct);
    }

    private static bool WantsHtml(HttpContext http) =>
        http.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);
}
