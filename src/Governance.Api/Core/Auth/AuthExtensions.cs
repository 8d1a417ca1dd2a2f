using Microsoft.AspNetCore.Authorization;

namespace Governance.Api.Core.Auth;

/// <summary>API-key authentication and one authorization policy per role.</summary>
public static class AuthExtensions
{
    /// <summary>Registers authentication; every endpoint requires a key unless it opts out.</summary>
    public static WebApplicationBuilder AddGovernanceAuth(this WebApplicationBuilder builder)
    {
        builder.Services.AddMemoryCache();
        builder.Services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
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
}
