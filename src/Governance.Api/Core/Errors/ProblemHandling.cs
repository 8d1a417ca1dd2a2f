using System.Text.Json;
using Governance.EventStore;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Governance.Api.Core.Errors;

/// <summary>Every error is RFC 7807 problem details; a client can never cause a 500.</summary>
public static class ProblemHandling
{
    /// <summary>Body size limit for every request, in bytes (Governance:MaxRequestBodyBytes).</summary>
    public const long DefaultMaxRequestBodyBytes = 1024 * 1024;

    /// <summary>Registers problem details and the exception mapping.</summary>
    public static WebApplicationBuilder AddGovernanceProblems(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Instance ??= context.HttpContext.Request.Path;
            context.ProblemDetails.Extensions["traceId"] = context.HttpContext.TraceIdentifier;
            context.ProblemDetails.Detail ??= context.ProblemDetails.Status switch
            {
                StatusCodes.Status404NotFound => $"Nothing at {context.HttpContext.Request.Path}; the API lives under /api/v1 (see /openapi/v1.json).",
                StatusCodes.Status405MethodNotAllowed => $"{context.HttpContext.Request.Method} is not allowed on {context.HttpContext.Request.Path}.",
                StatusCodes.Status415UnsupportedMediaType => "Send the body as JSON with 'Content-Type: application/json'.",
                _ => null,
            };
        });
        builder.Services.AddExceptionHandler<GovernanceExceptionHandler>();
        builder.Services.AddSingleton<IProblemDetailsWriter, AlwaysProblemJsonWriter>();

        // Malformed bodies throw BadHttpRequestException, which the handler turns into a 4xx problem.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        var limit = builder.Configuration.GetValue("Governance:MaxRequestBodyBytes", DefaultMaxRequestBodyBytes);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = limit);
        return builder;
    }

    /// <summary>Exception handler, body size limit and problem bodies for empty error responses (404, 405, 401, 403).</summary>
    public static WebApplication UseGovernanceProblems(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        var limit = app.Configuration.GetValue("Governance:MaxRequestBodyBytes", DefaultMaxRequestBodyBytes);
        app.Use(async (context, next) =>
        {
            if (context.Request.ContentLength > limit)
            {
                await Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request body too large",
                    detail: $"Bodies are limited to {limit} bytes.").ExecuteAsync(context);
                return;
            }

            // Hosts without Kestrel's limit (the test server) still get one for chunked bodies.
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
            {
                feature.MaxRequestBodySize = limit;
            }

            await next(context);
        });
        return app;
    }

    private sealed class GovernanceExceptionHandler(IProblemDetailsService problems, ILogger<GovernanceExceptionHandler> logger) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
        {
            var (status, title, detail) = Map(exception);
            if (status >= 500)
            {
                logger.LogError(exception, "Unhandled error on {Method} {Path}", httpContext.Request.Method, httpContext.Request.Path);
            }

            httpContext.Response.StatusCode = status;
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = httpContext,
                Exception = exception,
                ProblemDetails = { Status = status, Title = title, Detail = detail },
            });
        }

        private static (int Status, string Title, string Detail) Map(Exception exception) => exception switch
        {
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
                (413, "Request body too large", "The request body is larger than the service accepts."),
            BadHttpRequestException { StatusCode: StatusCodes.Status415UnsupportedMediaType } bad =>
                (415, "Unsupported media type", bad.Message),
            BadHttpRequestException { InnerException: JsonException json } =>
                (400, "Malformed JSON", json.Message),
            BadHttpRequestException bad => (bad.StatusCode, "Bad request", bad.Message),
            JsonException json => (400, "Malformed JSON", json.Message),
            ConcurrencyException conflict => (409, "Conflict", conflict.Message),
            OperationCanceledException => (499, "Client closed request", "The request was cancelled."),
            _ => (500, "Internal error", "Something went wrong on our side; it has been logged."),
        };
    }
}
