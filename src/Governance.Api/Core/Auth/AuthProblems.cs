namespace Governance.Api.Core.Auth;

/// <summary>The 401 and 403 answers every authentication scheme gives: problem details with a sentence.</summary>
internal static class AuthProblems
{
    public static async Task WriteUnauthorizedAsync(HttpContext http, IProblemDetailsService problems, string? failure)
    {
        http.Response.StatusCode = StatusCodes.Status401Unauthorized;
        http.Response.Headers.WWWAuthenticate = "Bearer";
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails =
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = "Unauthorized",
                Detail = failure ?? "An API key is required: send 'Authorization: Bearer <api key>'.",
            },
        });
    }

    public static async Task WriteForbiddenAsync(HttpContext http, IProblemDetailsService problems)
    {
        http.Response.StatusCode = StatusCodes.Status403Forbidden;
        var roles = http.GetEndpoint()?.Metadata.GetOrderedMetadata<RequiredRole>().Select(r => r.Role) ?? [];
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails =
            {
                Status = StatusCodes.Status403Forbidden,
                Title = "Forbidden",
                Detail = $"This needs a role you do not have ({string.Join(", ", roles)}).",
            },
        });
    }
}
