using System.Text.Json;
using Governance.EventLog;
using JasperFx.Events;
using Marten.Services;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
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

    private sealed class GovernanceExceptionHandler(
        IProblemDetailsService problems, IOptions<JsonOptions> json, ILogger<GovernanceExceptionHandler> logger) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
        {
            var (status, title, detail, errors) = Map(httpContext, exception);
            if (status >= 500)
            {
                logger.LogError(exception, "Unhandled error on {Method} {Path}", httpContext.Request.Method, httpContext.Request.Path);
            }

            httpContext.Response.StatusCode = status;
            var context = new ProblemDetailsContext
            {
                HttpContext = httpContext,
                Exception = exception,
                ProblemDetails = { Status = status, Title = title, Detail = detail },
            };
            if (errors is not null)
            {
                context.ProblemDetails.Extensions["errors"] = errors;
            }

            return await problems.TryWriteAsync(context);
        }

        // Framework messages name .NET types and parameters ("Failed to bind parameter \"Nullable<int> limit\"…"): none is
        // passed on. Each case gets its own sentence, and errors keyed by the field where there is one.
        private (int Status, string Title, string Detail, Dictionary<string, string[]>? Errors) Map(HttpContext http, Exception exception)
        {
            // The exception handler clears the endpoint before handlers run; the feature keeps the one that failed.
            var endpoint = http.Features.Get<IExceptionHandlerFeature>()?.Endpoint ?? http.GetEndpoint();
            var bodyType = endpoint?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;
            switch (exception)
            {
                case BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge }:
                    return (413, "Request body too large", "The request body is larger than the service accepts.", null);
                case BadHttpRequestException { StatusCode: StatusCodes.Status415UnsupportedMediaType }:
                    return (415, "Unsupported media type", "Send the body as JSON with 'Content-Type: application/json'.", null);
                case BodyRefusedException refused:
                    return (400, "Invalid request", refused.Message, new() { ["body"] = [refused.Message] });
                case BadHttpRequestException { InnerException: JsonException inner }:
                    return Invalid(JsonProblems.Describe(inner, bodyType, json.Value.SerializerOptions));
                case JsonException direct:
                    return Invalid(JsonProblems.Describe(direct, bodyType, json.Value.SerializerOptions));
                case BadHttpRequestException bad when bad.Message.StartsWith("Failed to bind parameter", StringComparison.Ordinal):
                    return (400, "Invalid request", "A parameter of the request has a value this endpoint cannot read.", null);
                case BadHttpRequestException when bodyType is not null:
                    return Invalid(JsonProblems.Missing(bodyType, json.Value.SerializerOptions));
                case BadHttpRequestException bad:
                    return (bad.StatusCode, "Bad request", "The request could not be read.", null);
                case ConcurrencyException conflict:
                    return (409, "Conflict", conflict.Message, null);
                case Marten.Exceptions.ExistingStreamIdCollisionException collision:
                    return RaceLost(collision.Id);
                case EventStreamUnexpectedMaxEventIdException unexpected:
                    return RaceLost(unexpected.Id);
                case JasperFx.ConcurrencyException concurrency:
                    return RaceLost(concurrency.Id);
                case Marten.Exceptions.StreamLockedException:
                    // The stream's lock was not free within the lock timeout: many writers of one stream at once.
                    return (409, "Conflict", "Too many changes to this at the same moment; nothing was written. Retry in a moment.", null);
                case OperationCanceledException:
                    return (499, "Client closed request", "The request was cancelled.", null);
                default:
                    return (500, "Internal error", "Something went wrong on our side; it has been logged.", null);
            }
        }

        // A Wolverine command writes when its endpoint returns; a stream another request started (or wrote) in between is
        // refused by the store, and the transaction rolls back whole.
        private static (int, string, string, Dictionary<string, string[]>?) RaceLost(object? streamId) =>
            (409, "Conflict", $"Another request changed '{streamId}' at the same moment, so nothing was written. Read it again and retry if the change still applies.", null);

        private static (int, string, string, Dictionary<string, string[]>?) Invalid((string Detail, Dictionary<string, string[]> Errors) problem) =>
            (400, "Invalid request", problem.Detail, problem.Errors);
    }
}
