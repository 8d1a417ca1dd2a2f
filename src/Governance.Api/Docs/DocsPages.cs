using System.Net;
using Governance.Api.Core.Auth;
using Markdig;
using Microsoft.AspNetCore.Antiforgery;
using Governance.Api.Core.Time;
using Npgsql;

namespace Governance.Api.Docs;

/// <summary>
/// The pages people read in a browser: /docs (all models) and /docs/models/{key} (with an "as of" picker).
/// A browser cannot send a bearer header, so /docs/sign-in takes a key once and keeps it in an HttpOnly cookie
/// that opens these read-only pages and nothing else.
/// </summary>
public static class DocsPages
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UsePipeTables().UseEmphasisExtras().Build();

    /// <summary>Maps the pages.</summary>
    public static void Map(WebApplication app)
    {
        // Defence in depth for the HTML pages: no scripts, no framing, forms only to ourselves.
        app.Use(async (context, next) =>
        {
            context.Response.Headers.ContentSecurityPolicy =
                "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
            context.Response.Headers.XContentTypeOptions = "nosniff";
            await next(context);
        });

        app.MapGet("/docs", async (NpgsqlDataSource db, CancellationToken ct) =>
                Page("Models", Markdown.ToHtml((await GetModelDoc.IndexMarkdownAsync(db, ct)).Replace("(models/", "(/docs/models/", StringComparison.Ordinal).Replace(".md)", ")", StringComparison.Ordinal), Pipeline)))
            .RequireRole(Roles.Viewer).ExcludeFromDescription();

        app.MapGet("/docs/models/{key}", async (string key, NpgsqlDataSource db, NodaTime.IClock clock, CancellationToken ct, string? at = null) =>
            {
                NodaTime.Instant? asOf = null;
                if (at is { Length: > 0 })
                {
                    // A browser's date-time field sends local minutes without a zone; the picker means UTC.
                    if (!QueryInstant.TryRead(at.Length == 16 ? at + "Z" : at, out var parsed, out var error))
                    {
                        return Page("Bad date", $"<p>'{WebUtility.HtmlEncode(at)}' {WebUtility.HtmlEncode(error)}.</p>", StatusCodes.Status400BadRequest);
                    }

                    asOf = parsed;
                }

                var markdown = await GetModelDoc.RenderAsync(db, key, asOf, clock.GetCurrentInstant(), ct);
                if (markdown is null)
                {
                    return Page("Not found", $"<p>No model '{WebUtility.HtmlEncode(key)}'{(asOf is null ? "" : " at that time")}. <a href=\"/docs\">All models</a></p>", StatusCodes.Status404NotFound);
                }

                var picker = $"""
                    <form class="asof" method="get" action="/docs/models/{WebUtility.UrlEncode(key)}">
                    <a href="/docs">All models</a> · <label>As of <input type="text" name="at" placeholder="2026-11-22T10:00:00Z" value="{WebUtility.HtmlEncode(at ?? "")}" /></label>
                    <button type="submit">Show</button> <a href="/docs/models/{WebUtility.UrlEncode(key)}">Now</a>
                    </form>
                    """;
                return Page(key, picker + Markdown.ToHtml(LineageSvg.ReplaceMermaid(markdown), Pipeline));
            })
            .RequireRole(Roles.Viewer).ExcludeFromDescription();

        app.MapGet("/docs/sign-in", (HttpContext http, IAntiforgery antiforgery, string? returnUrl = null) =>
            {
                var token = antiforgery.GetAndStoreTokens(http);
                return Page("Sign in", $"""
                    <h1>Sign in to the documentation</h1>
                    <p>Paste your API key. It is kept in a cookie that only opens these read-only pages.</p>
                    <form method="post" action="/docs/sign-in">
                    <input type="hidden" name="{token.FormFieldName}" value="{token.RequestToken}" />
                    <input type="hidden" name="returnUrl" value="{WebUtility.HtmlEncode(SafeReturn(returnUrl))}" />
                    <input type="password" name="key" autocomplete="off" size="60" />
                    <button type="submit">Sign in</button>
                    </form>
                    """);
            })
            .AllowAnonymous().ExcludeFromDescription();

        app.MapPost("/docs/sign-in", async (HttpContext http, NpgsqlDataSource db, IAntiforgery antiforgery, CancellationToken ct) =>
            {
                if (!http.Request.HasFormContentType || !await antiforgery.IsRequestValidAsync(http))
                {
                    return Page("Sign in", "<p>The form expired. <a href=\"/docs/sign-in\">Try again</a></p>", StatusCodes.Status400BadRequest);
                }

                var form = await http.Request.ReadFormAsync(ct);
                var key = form["key"].ToString().Trim();
                await using var cmd = db.CreateCommand("SELECT 1 FROM governance.principals WHERE key_hash = $1");
                cmd.Parameters.Add(new() { Value = ApiKeys.Hash(key) });
                if (key.Length is 0 or > 200 || await cmd.ExecuteScalarAsync(ct) is null)
                {
                    return Page("Sign in", "<p>That key is not known. <a href=\"/docs/sign-in\">Try again</a></p>", StatusCodes.Status401Unauthorized);
                }

                http.Response.Cookies.Append(ApiKeyAuthenticationHandler.PageCookie, key, new CookieOptions
                {
                    HttpOnly = true,
                    SameSite = SameSiteMode.Strict,
                    Secure = http.Request.IsHttps,
                    Path = "/docs",
                    MaxAge = TimeSpan.FromHours(12),
                });
                return Results.Redirect(SafeReturn(form["returnUrl"]));
            })
            .AllowAnonymous().ExcludeFromDescription();
    }

    // Only local paths under /docs: never an open redirect.
    private static string SafeReturn(string? url) =>
        url is { Length: > 0 } && url.StartsWith("/docs", StringComparison.Ordinal) && !url.StartsWith("//", StringComparison.Ordinal) ? url : "/docs";

    private static IResult Page(string title, string body, int status = StatusCodes.Status200OK) =>
        Results.Content(HtmlPage.Wrap(title, body), "text/html; charset=utf-8", statusCode: status);
}
