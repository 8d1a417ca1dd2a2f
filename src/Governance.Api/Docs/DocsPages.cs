using System.Net;
using System.Text.RegularExpressions;
using Governance.Api.Core.Auth;
using Microsoft.AspNetCore.Antiforgery;
using Governance.Api.Core.Time;
using Npgsql;

namespace Governance.Api.Docs;

/// <summary>
/// The pages people read in a browser: /docs (all models), /docs/models/{key} (with an "as of" picker) and
/// /docs/streams/{streamId} (the events the documents link to).
/// A browser cannot send a bearer header, so /docs/sign-in takes a key once and opens a server-side session whose id
/// (never the key) travels in an HttpOnly cookie that opens these read-only pages and nothing else.
/// </summary>
public static partial class DocsPages
{
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
                Page("Models", DocsHtml.Render(await GetModelDoc.IndexMarkdownAsync(db, ct), Relink)))
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
                return Page(key, picker + DocsHtml.Render(markdown, Relink));
            })
            .RequireRole(Roles.Viewer).ExcludeFromDescription();

        app.MapGet("/docs/streams/{streamId}", async (string streamId, NpgsqlDataSource db, CancellationToken ct, int? fromVersion = null, int? toVersion = null) =>
            {
                if (Audit.GetStreamEvents.RangeError(fromVersion, toVersion) is { } invalid)
                {
                    return Page("Bad range", $"<p>{WebUtility.HtmlEncode(invalid.Detail)}</p>", StatusCodes.Status400BadRequest);
                }

                var stream = streamId.Length > 300 ? null : await Audit.GetStreamEvents.LoadAsync(db, streamId, fromVersion, toVersion, ct);
                return stream is null
                    ? Page("Not found", $"<p>No stream '{WebUtility.HtmlEncode(streamId)}'. <a href=\"/docs\">All models</a></p>", StatusCodes.Status404NotFound)
                    : Page(streamId, StreamPage.Render(stream, fromVersion is not null || toVersion is not null));
            })
            .RequireRole(Roles.Viewer).ExcludeFromDescription();

        app.MapGet("/docs/sign-in", (HttpContext http, IAntiforgery antiforgery, string? returnUrl = null) =>
            {
                ForgetKeyCookie(http);
                var token = antiforgery.GetAndStoreTokens(Anonymous(http));
                return Page("Sign in", $"""
                    <h1>Sign in to the documentation</h1>
                    <p>Paste your API key. It opens a session on the server; your browser keeps only the session's id, never the key.</p>
                    <form method="post" action="/docs/sign-in">
                    <input type="hidden" name="{token.FormFieldName}" value="{token.RequestToken}" />
                    <input type="hidden" name="returnUrl" value="{WebUtility.HtmlEncode(SafeReturn(returnUrl))}" />
                    <input type="password" name="key" autocomplete="off" size="60" />
                    <button type="submit">Sign in</button>
                    </form>
                    """);
            })
            .AllowAnonymous().ExcludeFromDescription();

        app.MapPost("/docs/sign-in", async (HttpContext http, ApiKeyStore keys, SessionStore sessions, IAntiforgery antiforgery, CancellationToken ct) =>
            {
                if (!http.Request.HasFormContentType || !await antiforgery.IsRequestValidAsync(Anonymous(http)))
                {
                    return Page("Sign in", "<p>The form expired. <a href=\"/docs/sign-in\">Try again</a></p>", StatusCodes.Status400BadRequest);
                }

                var form = await http.Request.ReadFormAsync(ct);
                if (await keys.FindAsync(form["key"].ToString().Trim(), ct) is not { } holder)
                {
                    return Page("Sign in", "<p>That key is not known or has been revoked. <a href=\"/docs/sign-in\">Try again</a></p>", StatusCodes.Status401Unauthorized);
                }

                ForgetKeyCookie(http);
                await sessions.SignInAsync(http, holder, ct);
                return Results.Redirect(SafeReturn(form["returnUrl"]));
            })
            .AllowAnonymous().ExcludeFromDescription();

        app.MapGet("/docs/sign-out", (HttpContext http, IAntiforgery antiforgery) =>
            {
                var token = antiforgery.GetAndStoreTokens(Anonymous(http));
                return Page("Sign out", $"""
                    <h1>Sign out</h1>
                    <form method="post" action="/docs/sign-out">
                    <input type="hidden" name="{token.FormFieldName}" value="{token.RequestToken}" />
                    <button type="submit">Sign out</button> <a href="/docs">Back to the documentation</a>
                    </form>
                    """);
            })
            .AllowAnonymous().ExcludeFromDescription();

        app.MapPost("/docs/sign-out", async (HttpContext http, SessionStore sessions, IAntiforgery antiforgery, CancellationToken ct) =>
            {
                if (!http.Request.HasFormContentType || !await antiforgery.IsRequestValidAsync(Anonymous(http)))
                {
                    return Page("Sign out", "<p>The form expired. <a href=\"/docs/sign-out\">Try again</a></p>", StatusCodes.Status400BadRequest);
                }

                await sessions.SignOutAsync(http, ct);
                ForgetKeyCookie(http);
                return Results.Redirect("/docs/sign-in");
            })
            .AllowAnonymous().ExcludeFromDescription();
    }

    // A browser holds the page cookie, which opens /docs only: the document's links to the API go to the pages that show the same.
    private static string Relink(string url)
    {
        if (StreamLink().Match(url) is { Success: true } stream)
        {
            return "/docs/streams/" + stream.Groups[1].Value + url[stream.Length..];
        }

        return url.StartsWith("models/", StringComparison.Ordinal) && url.EndsWith(".md", StringComparison.Ordinal) ? "/docs/" + url[..^".md".Length] : url;
    }

    [GeneratedRegex("^/api/v1/streams/([^/?#]+)/events")]
    private static partial Regex StreamLink();

    // The sign-in and sign-out forms are posted without a session (a session only opens reading), so their tokens are
    // issued and checked for nobody in particular, whoever the page was shown to.
    private static HttpContext Anonymous(HttpContext http)
    {
        http.User = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity());
        return http;
    }

    // Earlier versions kept the raw key in this cookie; it opens nothing now, and is removed wherever it shows up.
    private static void ForgetKeyCookie(HttpContext http)
    {
        if (http.Request.Cookies.ContainsKey(LegacyKeyCookie))
        {
            http.Response.Cookies.Delete(LegacyKeyCookie, new CookieOptions { Path = "/docs" });
        }
    }

    private const string LegacyKeyCookie = "governance_key";

    // Only local paths under /docs: never an open redirect.
    private static string SafeReturn(string? url) =>
        url is { Length: > 0 } && url.StartsWith("/docs", StringComparison.Ordinal) && !url.StartsWith("//", StringComparison.Ordinal) ? url : "/docs";

    private static IResult Page(string title, string body, int status = StatusCodes.Status200OK) =>
        Results.Content(HtmlPage.Wrap(title, body), "text/html; charset=utf-8", statusCode: status);
}
