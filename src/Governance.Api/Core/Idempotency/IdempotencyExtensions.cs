using Governance.Api.Core.Storage;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Governance.Api.Core.Idempotency;

/// <summary>Idempotency-Key for every POST command: storage, middleware, and its place in the OpenAPI document.</summary>
public static class IdempotencyExtensions
{
    /// <summary>Marks an endpoint whose answer shows a secret once: a replay says it succeeded but cannot repeat the secret.</summary>
    public static TBuilder ShowsSecretOnce<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ShowsSecretOnceMetadata());

    /// <summary>Registers the store, its sweeping and the header in the OpenAPI document.</summary>
    public static WebApplicationBuilder AddGovernanceIdempotency(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IdempotencyStore>();
        builder.Services.AddSingleton<IExpiringRecords>(sp => sp.GetRequiredService<IdempotencyStore>());
        builder.Services.AddExpiredRecordsCleanup();
        builder.Services.Configure<OpenApiOptions>("v1", o => o.AddOperationTransformer((operation, context, _) =>
        {
            if (string.Equals(context.Description.HttpMethod, "POST", StringComparison.OrdinalIgnoreCase)
                && context.Description.RelativePath?.StartsWith("api/v1/", StringComparison.Ordinal) == true)
            {
                Describe(operation);
            }

            return Task.CompletedTask;
        }));
        return builder;
    }

    /// <summary>Runs after authorization, so every key belongs to the principal that sent it.</summary>
    public static WebApplication UseGovernanceIdempotency(this WebApplication app)
    {
        app.UseMiddleware<IdempotencyMiddleware>();
        return app;
    }

    private static void Describe(OpenApiOperation operation)
    {
        operation.Parameters ??= [];
        operation.Parameters.Add(new OpenApiParameter
        {
            Name = IdempotencyMiddleware.HeaderName,
            In = ParameterLocation.Header,
            Required = false,
            Description = "Makes a retry safe: the same key with the same request within 24 hours answers the first (successful) answer " +
                          "and changes nothing; the same key with a different request is 422. 1–255 printable ASCII characters, e.g. a UUID.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = IdempotencyMiddleware.MaxKeyLength },
        });

        operation.Responses ??= [];
        var problem = operation.Responses.Values.FirstOrDefault(r => r.Content?.ContainsKey("application/problem+json") == true)?.Content;
        AddIfMissing(operation.Responses, "400", "Bad request, e.g. a malformed Idempotency-Key.", problem);
        AddIfMissing(operation.Responses, "409", "Conflict, e.g. a request with this Idempotency-Key is still in progress.", problem);
        AddIfMissing(operation.Responses, "422", "Unprocessable, e.g. this Idempotency-Key was used with a different request.", problem);
    }

    private static void AddIfMissing(OpenApiResponses responses, string status, string description, IDictionary<string, OpenApiMediaType>? content)
    {
        if (!responses.ContainsKey(status))
        {
            responses[status] = new OpenApiResponse { Description = description, Content = content };
        }
    }
}
