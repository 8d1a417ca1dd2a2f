using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Governance.Api.Core.OpenApi;

/// <summary>
/// The OpenAPI document at /openapi/v1.json, with the bearer key scheme. It is kept true to the wire by two transformers
/// (<see cref="WireSchemas"/> for required and nullable fields, <see cref="WireStatuses"/> for the statuses every operation
/// can answer) and checked against real answers by the tests in Conventions/OpenApiTruthTests.
/// </summary>
public static class OpenApiExtensions
{
    /// <summary>Registers the document.</summary>
    public static WebApplicationBuilder AddGovernanceOpenApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddOpenApi("v1", o => o.With(WireSchemas.ReferenceId).AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "Governance",
                Version = "v1",
                Description = "Event-sourced model governance: lineage, promotions with evidence, deployments, incidents, SLOs and audit.",
            };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "An API key: Authorization: Bearer <key>.",
            };
            document.Security ??= [];
            document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] });
            DeclareQueryRefusals(document);
            WireSchemas.RequiredIsNotNull(document);
            return Task.CompletedTask;
        }).AddSchemaTransformer<WireSchemas>().AddOperationTransformer<WireStatuses>());
        return builder;
    }

    private static OpenApiOptions With(this OpenApiOptions options, Func<System.Text.Json.Serialization.Metadata.JsonTypeInfo, string?> referenceId)
    {
        options.CreateSchemaReferenceId = referenceId;
        return options;
    }

    // Every operation refuses query parameters it does not declare (Core/Requests/RequestRules): the 400 is on the wire,
    // so it is in the document.
    private static void DeclareQueryRefusals(OpenApiDocument document)
    {
        var hasValidationProblem = document.Components?.Schemas?.ContainsKey("HttpValidationProblemDetails") == true;
        foreach (var operation in (document.Paths ?? []).Values.SelectMany(p => p.Operations ?? []).Select(o => o.Value))
        {
            operation.Responses ??= [];
            if (operation.Responses.ContainsKey("400"))
            {
                continue;
            }

            operation.Responses["400"] = new OpenApiResponse
            {
                Description = "Bad Request: a query parameter this operation does not take, or one it cannot read.",
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/problem+json"] = new()
                    {
                        Schema = hasValidationProblem ? new OpenApiSchemaReference("HttpValidationProblemDetails", document) : null,
                    },
                },
            };
        }
    }

    /// <summary>Serves the document without a key.</summary>
    public static WebApplication MapGovernanceOpenApi(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        return app;
    }
}
