using Governance.Api.Core.Auth;

namespace Governance.Api.Web;

/// <summary>
/// The web app for approvers and on-call people (DESIGN §11): Razor Pages rendered by the service, no scripts needed.
/// Pages read and act through <see cref="ApiInvoker"/>, so every action is the API's own endpoint with the signed-in
/// person as the actor (docs/web-app.md).
/// </summary>
public static class WebModule
{
    /// <summary>Registers the pages, the invoker, and opens the session cookie for the pages' paths.</summary>
    public static void AddWeb(WebApplicationBuilder builder)
    {
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddSingleton<ApiInvoker>();
        builder.Services.AddRazorPages(o =>
            {
                o.RootDirectory = "/Web/Pages";
                o.Conventions.AllowAnonymousToPage("/SignIn");
            })
            .AddMvcOptions(o => o.Filters.Add<WebPageFilter>());
        builder.Services.Configure<SessionAuthenticationOptions>(AuthExtensions.SessionScheme, o =>
        {
            var docs = o.Opens;
            o.Opens = request => docs(request) || WebPaths.Opens(request);
            o.SignInPathFor = request => WebPaths.Opens(request) ? "/sign-in" : null;
        });
    }

    /// <summary>Maps the pages and their stylesheet.</summary>
    public static void MapWeb(WebApplication app)
    {
        app.MapRazorPages();
        app.MapGet(WebPaths.Stylesheet, () => Results.Text(WebAssets.Css, "text/css; charset=utf-8"))
            .AllowAnonymous().ExcludeFromDescription();
        app.MapGet(WebPaths.TimeZoneScript, () => Results.Text(WebAssets.TimeZoneScript, "text/javascript; charset=utf-8"))
            .AllowAnonymous().ExcludeFromDescription();
    }
}

/// <summary>The paths the pages own (DESIGN §11): where a session cookie authenticates, forms included.</summary>
public static class WebPaths
{
    /// <summary>The one stylesheet.</summary>
    public const string Stylesheet = "/web/site.css";

    /// <summary>The one script (it fills in the browser's time zone at sign-in).</summary>
    public const string TimeZoneScript = "/web/time-zone.js";

    private static readonly string[] Prefixes = ["/sign-in", "/sign-out", "/inbox", "/promotions", "/models", "/teams", "/incidents", "/slos", "/alerts/noise", "/web"];

    /// <summary>
    /// Whether a session may authenticate this request: the pages, for every method, because every form on them carries
    /// an antiforgery token that Razor Pages checks; never /api, where a command needs the Authorization header.
    /// </summary>
    public static bool Opens(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Path == "/" || Prefixes.Any(p => request.Path.StartsWithSegments(p, StringComparison.Ordinal));
    }
}
