using Governance.Api.Core.Auth;
using Microsoft.AspNetCore.Mvc;
using NodaTime;

namespace Governance.Api.Web.Pages;

/// <summary>/sign-in: an API key opens a server-side session; the cookie carries the session's id, never the key.</summary>
public sealed class SignInModel(ApiKeyStore keys, SessionStore sessions) : WebPage
{
    /// <summary>The key typed (never echoed back).</summary>
    [BindProperty]
    public string? Key { get; set; }

    /// <summary>Where to go after signing in (a local page only).</summary>
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    /// <summary>The person's time zone for the pages.</summary>
    [BindProperty]
    public string? TimeZone { get; set; }

    /// <summary>Shows the form.</summary>
    public void OnGet() => TimeZone = Request.Cookies[TimeZoneCookie];

    /// <summary>Checks the key and opens the session.</summary>
    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var zone = (TimeZone ?? "").Trim();
        if (zone.Length > 0 && DateTimeZoneProviders.Tzdb.GetZoneOrNull(zone) is null)
        {
            Problem = $"'{zone}' is not a time zone; use a TZDB id such as Europe/Berlin or UTC.";
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        if (await keys.FindAsync((Key ?? "").Trim(), ct) is not { } holder)
        {
            Problem = "That key is not known or has been revoked.";
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Page();
        }

        await sessions.SignInAsync(HttpContext, holder, ct);
        Response.Cookies.Append(TimeZoneCookie, zone.Length > 0 ? zone : "UTC",
            new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = Request.IsHttps, Path = "/", MaxAge = TimeSpan.FromDays(365), IsEssential = true });
        return LocalRedirect(SafeReturn(ReturnUrl));
    }

    // Only the service's own pages: never an open redirect, and never back to the sign-in page.
    private static string SafeReturn(string? url) =>
        url is { Length: > 1 } && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal)
        && !url.StartsWith("/sign-", StringComparison.Ordinal) ? url : "/";
}
