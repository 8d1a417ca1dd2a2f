using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Governance.Api.Core.Auth;

/// <summary>Authenticates <c>Authorization: Bearer &lt;api key&gt;</c> against the principals read model.</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    NpgsqlDataSource dataSource, IMemoryCache cache, IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    /// <summary>The scheme name.</summary>
    public const string SchemeName = "ApiKey";

    // Keys are looked up on every request; a short cache keeps that off the database without
    // letting a revoked key live long.
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);

    /// <inheritdoc />
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header) && IsReadingHumanPages() && Request.Cookies[PageCookie] is { Length: > 0 and < 200 } fromCookie)
        {
            header = "Bearer " + fromCookie;
        }

        if (string.IsNullOrEmpty(header))
        {
            return AuthenticateResult.NoResult();
        }

        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length > 512)
        {
            return AuthenticateResult.Fail("The Authorization header must be 'Bearer <api key>'.");
        }

        var key = header["Bearer ".Length..].Trim();
        var hash = Convert.ToHexStringLower(ApiKeys.Hash(key));
        var principal = await cache.GetOrCreateAsync("apikey:" + hash, async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = CacheFor;
            await using var cmd = dataSource.CreateCommand("SELECT name, roles FROM governance.principals WHERE key_hash = $1");
            cmd.Parameters.Add(new() { Value = ApiKeys.Hash(key) });
            await using var reader = await cmd.ExecuteReaderAsync(Context.RequestAborted);
            return await reader.ReadAsync(Context.RequestAborted)
                ? (reader.GetString(0), reader.GetFieldValue<string[]>(1))
                : ((string, string[])?)null;
        });

        if (principal is not { } found)
        {
            return AuthenticateResult.Fail("Unknown API key.");
        }

        var claims = new List<Claim> { new(ClaimTypes.Name, found.Item1) };
        claims.AddRange(Roles.Expand(found.Item2).Select(r => new Claim(ClaimTypes.Role, r)));
        var identity = new ClaimsIdentity(claims, SchemeName, ClaimTypes.Name, ClaimTypes.Role);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    /// <summary>The cookie the human pages sign in with (HttpOnly, SameSite=Strict).</summary>
    public const string PageCookie = "governance_key";

    // The cookie only opens the read-only pages: a command always needs the Authorization header, so a
    // forged cross-site request cannot act with a person's cookie.
    private bool IsReadingHumanPages() =>
        HttpMethods.IsGet(Request.Method) && Request.Path.StartsWithSegments("/docs", StringComparison.Ordinal);

    /// <inheritdoc />
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (IsReadingHumanPages() && Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase))
        {
            Response.Redirect("/docs/sign-in?returnUrl=" + Uri.EscapeDataString(Request.Path + Request.QueryString));
            return;
        }

        var failure = (await HandleAuthenticateOnceSafeAsync()).Failure;
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails =
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = "Unauthorized",
                Detail = failure?.Message ?? "An API key is required: send 'Authorization: Bearer <api key>'.",
            },
        });
    }

    /// <inheritdoc />
    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails =
            {
                Status = StatusCodes.Status403Forbidden,
                Title = "Forbidden",
                Detail = $"This needs a role you do not have ({string.Join(", ", Context.GetEndpoint()?.Metadata.GetOrderedMetadata<RequiredRole>().Select(r => r.Role) ?? [])}).",
            },
        });
    }
}

/// <summary>Endpoint metadata naming the role an endpoint needs, for error messages.</summary>
public sealed record RequiredRole(string Role);
