using Governance.Api.Core.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace Governance.Api.Core.Auth;

/// <summary>API-key and session authentication and one authorization policy per role.</summary>
public static class AuthExtensions
{
    /// <summary>The default scheme: the API key when the request sends one, else the session where sessions apply.</summary>
    public const string DefaultScheme = "Governance";

    /// <summary>The browser session scheme.</summary>
    public const string SessionScheme = "Session";

    /// <summary>Registers authentication; every endpoint requires a key unless it opts out.</summary>
    public static WebApplicationBuilder AddGovernanceAuth(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ApiKeyStore>();
        builder.Services.AddSingleton<SessionStore>();
        builder.Services.AddSingleton<IExpiringRecords>(sp => sp.GetRequiredService<SessionStore>());
        builder.Services.AddExpiredRecordsCleanup();
        builder.Services.AddAuthentication(DefaultScheme)
            .AddPolicyScheme(DefaultScheme, "API key or session", o => o.ForwardDefaultSelector = SelectScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddScheme<SessionAuthenticationOptions, SessionAuthenticationHandler>(SessionScheme, null);
        builder.Services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(Roles.Viewer, p => p.RequireRole(Roles.Viewer))
            .AddPolicy(Roles.Contributor, p => p.RequireRole(Roles.Contributor))
            .AddPolicy(Roles.Approver, p => p.RequireRole(Roles.Approver))
            .AddPolicy(Roles.OnCall, p => p.RequireRole(Roles.OnCall))
            .AddPolicy(Roles.Admin, p => p.RequireRole(Roles.Admin));
        return builder;
    }

    /// <summary>Requires <paramref name="role"/> (or a role that implies it).</summary>
    public static TBuilder RequireRole<TBuilder>(this TBuilder builder, string role) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(role).WithMetadata(new RequiredRole(role));

    // A request that sends a key is judged by the key alone, so a stale cookie never masks a bad key.
    private static string SelectScheme(HttpContext http)
    {
        if (http.Request.Headers.ContainsKey("Authorization"))
        {
            return ApiKeyAuthenticationHandler.SchemeName;
        }

        var sessions = http.RequestServices.GetRequiredService<IOptionsMonitor<SessionAuthenticationOptions>>().Get(SessionScheme);
        return sessions.Opens(http.Request) ? SessionScheme : ApiKeyAuthenticationHandler.SchemeName;
    }
}
