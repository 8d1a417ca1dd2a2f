using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Primitives;

namespace Governance.Api.Core.Requests;

/// <summary>
/// Rules every endpoint gets before its handler runs, from its own metadata:
/// a query parameter it does not declare is refused (400, like an unknown JSON field), and so is one given twice or
/// with a value its type cannot take (a sentence per parameter instead of the framework's type names);
/// and a request without a body on an endpoint that reads JSON is read as an empty body (<c>{}</c>, or <c>[]</c>
/// for a list), so an action whose fields are all optional needs none and any other says which fields it needs.
/// </summary>
public static class RequestRules
{
    /// <summary>
    /// Before routing: a request without a body carries no content type either. Routing answers 415 when the content
    /// type is not one an endpoint accepts, and <c>curl -X POST -d ''</c> sends a form type with nothing in it.
    /// </summary>
    public static WebApplication UseGovernanceEmptyBodies(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            if (context.Request.ContentLength == 0 && context.Request.ContentType is not null)
            {
                context.Request.ContentType = null;
            }

            return next(context);
        });
        return app;
    }

    /// <summary>Adds the rules; after authentication, so an anonymous caller is told 401 first.</summary>
    public static WebApplication UseGovernanceRequestRules(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (context.GetEndpoint() is { } endpoint)
            {
                if (Refusal(context, endpoint) is { } errors)
                {
                    await Results.ValidationProblem(errors, title: "Invalid query", detail: errors.First().Value[0]).ExecuteAsync(context);
                    return;
                }

                ReadMissingBodyAsEmpty(context, endpoint);
                await ReadJsonBodyFirstAsync(context, endpoint);
            }

            await next(context);
        });
        return app;
    }

    private static Dictionary<string, string[]>? Refusal(HttpContext context, Endpoint endpoint)
    {
        Dictionary<string, string[]>? errors = null;
        foreach (var (name, value) in context.Request.RouteValues)
        {
            if (value is string text && text.Contains('\0', StringComparison.Ordinal))
            {
                (errors ??= [])[name] = [$"'{name}' must not contain NUL characters."];
            }
        }

        if (context.Request.Query.Count == 0 || QueryParameters.Of(endpoint) is not { } declared)
        {
            return errors;
        }

        Dictionary<string, StringValues>? respelt = null;
        foreach (var (key, values) in context.Request.Query)
        {
            var parameter = declared.FirstOrDefault(p => string.Equals(p.Name, key, StringComparison.OrdinalIgnoreCase));
            if (parameter is null)
            {
                var shown = key.Length > 60 ? key[..60] + "…" : key;
                (errors ??= [])[shown] = [declared.Count == 0
                    ? $"'{shown}' is not a query parameter here; this endpoint takes none."
                    : $"'{shown}' is not a query parameter here; this endpoint accepts: {string.Join(", ", declared.Select(p => p.Name))}."];
            }
            else if (values.Count > 1 && !parameter.Repeatable)
            {
                (errors ??= [])[parameter.Name] = [$"'{parameter.Name}' is given more than once; give it once."];
            }
            else if (values.Select(parameter.Problem).FirstOrDefault(p => p is not null) is { } problem)
            {
                (errors ??= [])[parameter.Name] = [$"'{parameter.Name}' {problem}."];
            }
            else if (values.Any(v => v is not null && parameter.EnumSpelling(v) is { } name && name != v))
            {
                (respelt ??= [])[key] = new StringValues([.. values.Select(v => v is null ? v : parameter.EnumSpelling(v))]);
            }
        }

        // Enum values are read in any case, as the OpenAPI document writes them (order=desc); the binder wants Desc.
        if (errors is null && respelt is not null)
        {
            context.Request.Query = new QueryCollection(context.Request.Query.ToDictionary(q => q.Key, q => respelt.GetValueOrDefault(q.Key, q.Value)));
        }

        return errors;
    }

    /// <summary>
    /// Wolverine answers a body it cannot read with the serializer's own message (which names .NET types) or a bare
    /// status. Its endpoints' bodies are read here first, with the same options, so a bad body gets the sentences every
    /// other endpoint gives (the exception handler writes them); then Wolverine reads the same bytes again. A YAML body
    /// (on an endpoint marked <see cref="Json.YamlBodyAttribute"/>) is turned into JSON here first.
    /// </summary>
    private static async Task ReadJsonBodyFirstAsync(HttpContext context, Endpoint endpoint)
    {
        if (endpoint.Metadata.GetMetadata<Commands.JsonBodyRead>() is null
            || endpoint.Metadata.GetMetadata<IAcceptsMetadata>() is not { RequestType: { } type })
        {
            return;
        }

        if (endpoint.Metadata.GetMetadata<Json.YamlBodyAttribute>() is not null && Json.YamlJson.IsYaml(context.Request))
        {
            await Json.YamlJson.ReplaceWithJsonAsync(context.Request, context.RequestAborted);
        }
        else if (context.Request.ContentType is not { } contentType
            || !MediaTypeHeaderValue.TryParse(contentType, out var media)
            || !(media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
                 || media.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase)))
        {
            throw new BadHttpRequestException("Expected a JSON body.", StatusCodes.Status415UnsupportedMediaType);
        }

        context.Request.EnableBuffering();
        var json = context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        if (await JsonSerializer.DeserializeAsync(context.Request.Body, type, json, context.RequestAborted) is null)
        {
            // JSON null where an object belongs: answered like a missing body, with the fields it needs.
            throw new BadHttpRequestException("The body is JSON null.");
        }

        context.Request.Body.Position = 0;

        // Wolverine will not read a body for a client whose Accept names none of these JSON types (a bare 406); the service answers
        // JSON, and problems as problem+json, whatever Accept says, as its other endpoints always have.
        if (!AcceptsJson(context.Request))
        {
            context.Request.Headers.Remove(HeaderNames.Accept);
        }
    }

    private static bool AcceptsJson(HttpRequest request) =>
        request.GetTypedHeaders().Accept is not { Count: > 0 } accepted
        || accepted.Any(a => a.MediaType.Value is "application/json" or "application/problem+json" or "text/json" or "*/*"
                             || a.MediaType.Value?.Contains("+json", StringComparison.Ordinal) == true);

    private static void ReadMissingBodyAsEmpty(HttpContext context, Endpoint endpoint)
    {
        if (endpoint.Metadata.GetMetadata<IAcceptsMetadata>() is not { RequestType: { } type } accepts
            || !accepts.ContentTypes.Any(c => c.Contains("json", StringComparison.OrdinalIgnoreCase))
            || HasBody(context))
        {
            return;
        }

        var empty = Encoding.UTF8.GetBytes(type.IsArray || typeof(System.Collections.IEnumerable).IsAssignableFrom(type) ? "[]" : "{}");
        context.Request.Body = new MemoryStream(empty);
        context.Request.ContentLength = empty.Length;
        context.Request.ContentType = "application/json";
        context.Features.Set<IHttpRequestBodyDetectionFeature>(new WithBody());
    }

    private static bool HasBody(HttpContext context) =>
        context.Request.ContentLength is > 0
        || (context.Request.ContentLength is null && context.Features.Get<IHttpRequestBodyDetectionFeature>() is not { CanHaveBody: false });

    private sealed class WithBody : IHttpRequestBodyDetectionFeature
    {
        public bool CanHaveBody => true;
    }
}
