using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Governance.Api.Core.Errors;

/// <summary>
/// The last resort for problem details: the framework's writer declines when the client's Accept header does not
/// name JSON (a browser sends text/html), and that would turn a 401 or 404 into a 500. This one always writes
/// application/problem+json.
/// </summary>
public sealed class AlwaysProblemJsonWriter(IOptions<JsonOptions> json, IOptions<ProblemDetailsOptions> options) : IProblemDetailsWriter
{
    /// <inheritdoc />
    public bool CanWrite(ProblemDetailsContext context) => true;

    /// <inheritdoc />
    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var http = context.HttpContext;
        var problem = context.ProblemDetails;
        problem.Status ??= http.Response.StatusCode;
        problem.Title ??= Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(problem.Status.Value);
        options.Value.CustomizeProblemDetails?.Invoke(context);
        return new ValueTask(http.Response.WriteAsJsonAsync(problem, json.Value.SerializerOptions, "application/problem+json", http.RequestAborted));
    }
}
