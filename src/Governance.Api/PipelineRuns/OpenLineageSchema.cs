using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Governance.Api.PipelineRuns;

/// <summary>
/// The OpenAPI schema of <c>POST /lineage</c>'s body: the OpenLineage event itself (the generator sees only a converter),
/// with the fields the service reads. Everything else an event carries is accepted and kept, so the object stays open.
/// </summary>
internal static class OpenLineageSchema
{
    /// <summary>Describes the body where the generator met <see cref="RecordOpenLineageEvent"/>.</summary>
    public static Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        if (context.JsonTypeInfo.Type != typeof(RecordOpenLineageEvent))
        {
            return Task.CompletedTask;
        }

        schema.Type = JsonSchemaType.Object;
        schema.Description =
            "An OpenLineage RunEvent, JobEvent or DatasetEvent (spec 1.x or 2-0-x) as a producer sends it; also gzip-encoded. " +
            "A JobEvent (schemaURL ending /JobEvent) needs no run, a DatasetEvent (/DatasetEvent) a dataset instead of run and job. " +
            "Facets and any other field are kept as sent.";
        schema.Required = new HashSet<string>(StringComparer.Ordinal) { "eventTime", "run", "job" };
        schema.AdditionalPropertiesAllowed = true;
        schema.Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
        {
            ["eventTime"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time", Description = "With Z, an offset, or no zone (UTC)." },
            ["eventType"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Enum = [.. OpenLineageEvent.EventTypes.Select(t => (JsonNode)JsonValue.Create(t))],
            },
            ["producer"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["schemaURL"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["run"] = Object(("runId", true)),
            ["job"] = Object(("namespace", true), ("name", true)),
            ["inputs"] = new OpenApiSchema { Type = JsonSchemaType.Array, Items = Object(("namespace", true), ("name", true)) },
            ["outputs"] = new OpenApiSchema { Type = JsonSchemaType.Array, Items = Object(("namespace", true), ("name", true)) },
        };
        return Task.CompletedTask;
    }

    private static OpenApiSchema Object(params (string Name, bool Required)[] fields) => new()
    {
        Type = JsonSchemaType.Object,
        AdditionalPropertiesAllowed = true,
        Properties = fields.ToDictionary(f => f.Name, IOpenApiSchema (_) => new OpenApiSchema { Type = JsonSchemaType.String }, StringComparer.Ordinal),
        Required = new HashSet<string>(fields.Where(f => f.Required).Select(f => f.Name), StringComparer.Ordinal),
    };
}
