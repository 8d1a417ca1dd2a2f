using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Requests;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Governance.Api.Core.OpenApi;

/// <summary>
/// Documents, on every operation, the answers that come from the service's rules rather than from the operation's own
/// handler, read from the endpoint's metadata so a new endpoint is covered without a line of its own:
/// 401 unless it is anonymous; 403 when it needs more than the viewer role (every principal is at least a viewer);
/// 413 for a body over the limit (checked before anything else, whatever the method); 415 where it reads a body;
/// <c>If-Match</c>, 409 and 412 where the handler runs a command on a stream; <c>ETag</c> (and 304 for
/// <c>If-None-Match</c>) where a GET answers one stream-backed resource.
/// </summary>
internal sealed class WireStatuses(IConfiguration configuration) : IOpenApiOperationTransformer
{
    /// <inheritdoc />
    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var problem = Problem(context.Document);
        operation.Responses ??= [];
        if (metadata.OfType<IAllowAnonymous>().Any())
        {
            // The document asks for the bearer key everywhere; these operations do not.
            operation.Security = [];
        }
        else
        {
            Add(operation, "401", "Unauthorized: no API key, or one that is not valid or was revoked (send 'Authorization: Bearer <api key>').", problem);
        }

        if (metadata.OfType<RequiredRole>().LastOrDefault() is { } role && role.Role != Roles.Viewer)
        {
            Add(operation, "403", $"Forbidden: this needs the {role.Role} role, or a role that implies it.", problem);
        }

        var limit = configuration.GetValue("Governance:MaxRequestBodyBytes", ProblemHandling.DefaultMaxRequestBodyBytes);
        Add(operation, "413", $"Content Too Large: the body is larger than {limit} bytes.", problem);
        if (operation.RequestBody is not null)
        {
            var types = operation.RequestBody.Content?.Keys is { Count: > 0 } keys ? string.Join(", ", keys) : "application/json";
            Add(operation, "415", $"Unsupported Media Type: the body is sent as something other than {types}.", problem);
        }

        if (RunsCommands(metadata))
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = "If-Match",
                In = ParameterLocation.Header,
                Required = false,
                Description = "The stream version the change is meant for, as ETag gave it (\"3\", weak or strong); \"0\" when the stream must not " +
                              "exist yet. Another version answers 412 and changes nothing.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            });
            Add(operation, "409", "Conflict: the state does not allow this, or concurrent changes kept winning the race.", problem);
            Add(operation, "412", "Precondition Failed: If-Match names another version than the stream's.", problem);
        }

        if (metadata.OfType<StreamETagMetadata>().LastOrDefault() is { } etag)
        {
            DescribeETag(operation, etag);
        }

        await DescribeEveryContentTypeAsync(operation, context, metadata, cancellationToken);
    }

    /// <summary>
    /// One status answered in several content types with different bodies (a report as JSON, or as Markdown): the generator
    /// keeps only the last declaration, so the others are added here.
    /// </summary>
    private static async Task DescribeEveryContentTypeAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, IList<object> metadata,
        CancellationToken cancellationToken)
    {
        foreach (var produced in metadata.OfType<Microsoft.AspNetCore.Http.Metadata.IProducesResponseTypeMetadata>())
        {
            var status = produced.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (produced.Type is not { } type || type == typeof(void) || operation.Responses?.TryGetValue(status, out var found) != true
                || found is not OpenApiResponse response)
            {
                continue;
            }

            response.Content ??= new Dictionary<string, OpenApiMediaType>();
            foreach (var contentType in produced.ContentTypes.Where(c => !response.Content.ContainsKey(c)))
            {
                response.Content[contentType] = new OpenApiMediaType { Schema = await SchemaAsync(type, context, cancellationToken) };
            }
        }
    }

    private static async Task<IOpenApiSchema> SchemaAsync(Type type, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var schema = await context.GetOrCreateSchemaAsync(type, null, cancellationToken);
        if (context.Document is not { } document || schema.Metadata?.TryGetValue("x-schema-id", out var value) != true || value is not string { Length: > 0 } id)
        {
            return schema;
        }

        if (document.Components?.Schemas?.ContainsKey(id) != true)
        {
            document.AddComponent(id, schema);
        }

        return new OpenApiSchemaReference(id, document);
    }

    /// <summary>Whether the handler decides and appends on a stream (a Wolverine stream command), honouring If-Match.</summary>
    private static bool RunsCommands(IList<object> metadata) => metadata.OfType<StreamCommandMetadata>().Any();

    private static void DescribeETag(OpenApiOperation operation, StreamETagMetadata etag)
    {
        if (operation.Responses?.TryGetValue("200", out var ok) == true && ok is OpenApiResponse response)
        {
            response.Headers ??= new Dictionary<string, IOpenApiHeader>();
            response.Headers["ETag"] = new OpenApiHeader
            {
                Description = "The version of the resource's event stream (\"3\"): send it back in If-Match to change exactly what you read.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            };
        }

        if (!etag.AnswersNotModified)
        {
            return;
        }

        operation.Parameters ??= [];
        operation.Parameters.Add(new OpenApiParameter
        {
            Name = "If-None-Match",
            In = ParameterLocation.Header,
            Required = false,
            Description = "ETags you hold; when one names the current version the answer is 304 without a body.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
        });
        operation.Responses!["304"] = new OpenApiResponse
        {
            Description = "Not Modified: If-None-Match names the current version.",
            Headers = new Dictionary<string, IOpenApiHeader> { ["ETag"] = new OpenApiHeader { Schema = new OpenApiSchema { Type = JsonSchemaType.String } } },
        };
    }

    private static Dictionary<string, OpenApiMediaType> Problem(OpenApiDocument? document) => new()
    {
        ["application/problem+json"] = new OpenApiMediaType { Schema = new OpenApiSchemaReference("ProblemDetails", document) },
    };

    private static void Add(OpenApiOperation operation, string status, string description, Dictionary<string, OpenApiMediaType> content)
    {
        if (!operation.Responses!.ContainsKey(status))
        {
            operation.Responses[status] = new OpenApiResponse { Description = description, Content = new Dictionary<string, OpenApiMediaType>(content) };
        }
    }
}
