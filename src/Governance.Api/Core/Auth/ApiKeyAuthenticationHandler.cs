using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Governance.Api.Core.Auth;

/// <summary>Authenticates <c>Authorization: Bearer &lt;api key&gt;</c>: a live key of an existing principal, looked up per request.</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    ApiKeyStore keys, IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    /// <summary>The scheme name.</summary>
    public const string SchemeName = "ApiKey";

    /// <inheritdoc />
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
        {
            return AuthenticateResult.NoResult();
        }

        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length > 512)
        {
            return AuthenticateResult.Fail("The Authorization header must be 'Bearer <api key>'.");
        }

        var holder = await keys.FindAsync(header["Bearer ".Length..].Trim(), Context.RequestAborted);
        return holder is null
            ? AuthenticateResult.Fail("This API key is unknown or has been revoked.")
            : AuthenticateResult.Success(new AuthenticationTicket(holder.ToClaimsPrincipal(SchemeName), SchemeName));
    }

    /// <inheritdoc />
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties) =>
        await AuthProblems.WriteUnauthorizedAsync(Context, problems, (await HandleAuthenticateOnceSafeAsync()).Failure?.Message);

    /// <inheritdoc />
    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => AuthProblems.WriteForbiddenAsync(Context, problems);
}

/// <summary>Endpoint metadata naming the role an endpoint needs, for error messages.</summary>
public sealed record RequiredRole(string Role);
