using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace Governance.Api.Tests.Conventions;

/// <summary>
/// Checks JSON against the schemas of an OpenAPI 3.1 document with JsonSchema.Net (the document's schemas are JSON
/// Schema 2020-12; formats are annotations, as the standard has them). Each schema is built once, with the document's
/// components as <c>$defs</c>.
/// </summary>
internal sealed class DocumentSchemas(JsonElement document)
{
    private static int counter;
    private readonly Dictionary<string, JsonSchema> cache = [];
    private readonly JsonObject definitions = Definitions(document);

    /// <summary>Where <paramref name="value"/> disagrees with <paramref name="schema"/>: a JSON path and what is wrong, per place.</summary>
    public IReadOnlyList<string> Disagreements(JsonElement schema, JsonElement value)
    {
        var text = schema.GetRawText();
        if (!cache.TryGetValue(text, out var built))
        {
            var root = new JsonObject
            {
                ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
                ["$defs"] = definitions.DeepClone(),
                ["allOf"] = new JsonArray(Rewrite(JsonNode.Parse(text))),
            };
            var id = Interlocked.Increment(ref counter);
            cache[text] = built = JsonSchema.FromText(root.ToJsonString(), baseUri: new Uri($"urn:governance:openapi:{id}"));
        }

        var results = built.Evaluate(value, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (results.IsValid)
        {
            return [];
        }

        var found = (results.Details ?? [])
            .Where(d => !d.IsValid && d.Errors is { Count: > 0 })
            .Select(d => $"{JsonPath(d.InstanceLocation.ToString())}: {string.Join("; ", d.Errors!.Values)}")
            .Distinct()
            .ToList();
        return found.Count > 0 ? found : ["$: does not match"];
    }

    private static JsonObject Definitions(JsonElement document)
    {
        var definitions = new JsonObject();
        if (document.TryGetProperty("components", out var components) && components.TryGetProperty("schemas", out var schemas))
        {
            foreach (var schema in schemas.EnumerateObject())
            {
                definitions[schema.Name] = Rewrite(JsonNode.Parse(schema.Value.GetRawText()));
            }
        }

        return definitions;
    }

    // The document's references point into components; here the components are $defs.
    private static JsonNode? Rewrite(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj.ToList())
                {
                    if (name == "$ref" && child?.GetValue<string>() is { } reference)
                    {
                        obj[name] = reference.Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal);
                    }
                    else
                    {
                        Rewrite(child);
                    }
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    Rewrite(child);
                }

                break;
        }

        return node;
    }

    /// <summary>A JSON pointer (<c>/deployments/0/to</c>) as a JSON path (<c>$.deployments[0].to</c>).</summary>
    private static string JsonPath(string pointer)
    {
        var path = new StringBuilder("$");
        foreach (var segment in pointer.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            path.Append(int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out _) ? $"[{name}]" : $".{name}");
        }

        return path.ToString();
    }
}
