using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Governance.Api.Tests.Harness;
using Governance.Api.Tests.Operations;
using Governance.Api.Tests.Registry;
using Xunit.Abstractions;

namespace Governance.Api.Tests.Conventions;

/// <summary>
/// Every operation of the OpenAPI document, read from the running service, gets hostile input: bodies that are empty,
/// null, the wrong shape, with a wrong-typed value in each field, an unknown or a duplicated field, huge numbers, and
/// instants and durations past the ends of the range; query parameters with garbage; paths naming things that exist
/// and things that do not. Nothing may answer 5xx, every error is problem+json, and no error tells of .NET, SQL or a
/// stack. A new endpoint is covered as soon as it is in the document.
/// </summary>
public sealed class OpenApiHostileTests(OpenApiHostileTests.WalkApp app, ITestOutputHelper output) : IClassFixture<OpenApiHostileTests.WalkApp>
{
    private const string Missing = "zz-missing";

    /// <summary>Words that only come from the framework, the runtime or the database.</summary>
    private static readonly string[] Leaks = ["Governance.", "System.", "Microsoft.", "Npgsql", "   at ", "SQL", "Exception", "Nullable`", "Int32", "Int64"];

    /// <summary>The service with one of each thing, so that paths naming existing things reach their handlers.</summary>
    public class WalkApp : GovernanceApp, IAsyncLifetime
    {
        public Dictionary<string, string> Ids { get; } = [];

        public new async Task InitializeAsync()
        {
            await base.InitializeAsync();
            await CreatePrincipalAsync("walk-viewer", Role.Viewer);
            await CreatePrincipalAsync("walk-ana", Role.OnCall);
            await CreatePrincipalAsync("walk-ben", Role.OnCall);
            await this.RegisterModelAsync("walk-model", team: "walk-team");
            await this.RegisterDatasetAsync("walk-data", "1.0.0");
            Ids["experiments"] = await this.StartExperimentAsync("walk-model");
            await this.RecordRunAsync(Ids["experiments"], "run-1", "walk-data@1.0.0");
            await this.RegisterVersionAsync("walk-model", "1.0.0", ["walk-data@1.0.0"]);
            await this.DefineRotationAsync("walk-team", ["walk-ana", "walk-ben"]);
            Ids["incidents"] = await this.OpenIncidentAsync("walk-model");
            Ids["alerts"] = await this.FireAlertAsync("walk-rule", "walk-model");
            Ids["webhooks"] = await IdAsync("/api/v1/webhooks", new { url = "https://hooks.example.com/walk", events = new[] { "*" }, model = "walk-model" });
            Ids["slos"] = await IdAsync("/api/v1/slos", new { name = "Accuracy", model = "walk-model", stage = "production", objective = 0.99, window = "P28D", description = "d" });
            await IdAsync("/api/v1/evaluation-suites", new
            {
                name = "walk-suite", description = "d",
                metrics = new[] { new { name = "auc", threshold = 0.5, direction = "higher" } },
                slices = new[] { new { name = "new-users", metric = "auc", threshold = 0.4 } },
            }, "name");
            Ids["evaluations"] = await IdAsync("/api/v1/evaluations", new
            {
                model = "walk-model", version = "1.0.0", suite = "walk-suite", stage = "offline", datasets = new[] { "walk-data@1.0.0" },
                metrics = new Dictionary<string, double> { ["auc"] = 0.9 }, slices = new Dictionary<string, object> { ["new-users"] = new Dictionary<string, double> { ["auc"] = 0.8 } },
            });
            Ids["promotions"] = await IdAsync("/api/v1/promotions", new
            {
                model = "walk-model", version = "1.0.0", targetStage = "shadow", justification = "j", evidence = new[] { Ids["evaluations"] },
            });
        }

        private async Task<string> IdAsync(string url, object body, string property = "id")
        {
            var result = await Scenario(s => s.Post.Json(body).ToUrl(url).StatusCodeShouldBe(201));
            return result.Json.GetProperty(property).GetString()!;
        }
    }

    /// <summary>One request of the walk.</summary>
    internal sealed record Probe(string Method, string Path, string Url, string? Body, string Why);

    [Fact]
    public async Task every_operation_survives_hostile_input_without_a_5xx_or_a_leak()
    {
        var document = await DocumentAsync();
        var probes = Probes(document, (path, existing) => Fill(app.Ids, path, existing)).ToList();
        var failures = new List<string>();
        var answered = new Dictionary<string, SortedSet<int>>();
        var watch = Stopwatch.StartNew();
        using var client = app.Client();
        foreach (var probe in probes)
        {
            using var request = new HttpRequestMessage(new HttpMethod(probe.Method), probe.Url);
            if (probe.Body is not null)
            {
                request.Content = new StringContent(probe.Body, Encoding.UTF8);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            }

            using var response = await client.SendAsync(request);
            var status = (int)response.StatusCode;
            var text = await response.Content.ReadAsStringAsync();
            var operation = $"{probe.Method} {probe.Path}";
            (answered.TryGetValue(operation, out var statuses) ? statuses : answered[operation] = []).Add(status);
            var problem = status >= 500 ? "a 5xx"
                : status >= 400 && response.Content.Headers.ContentType?.MediaType != "application/problem+json" ? "an error that is not problem+json"
                : status >= 400 && Leaks.FirstOrDefault(leak => ProblemText.WithoutTraceId(text).Contains(leak, StringComparison.Ordinal)) is { } leak ? $"a leak ('{leak}')"
                : null;
            if (problem is not null)
            {
                failures.Add($"{problem}: {probe.Method} {Short(probe.Url)} [{probe.Why}] {Short(probe.Body)} → {status} {Short(text)}");
            }
        }

        output.WriteLine($"{probes.Count} hostile requests over {answered.Count} operations in {watch.Elapsed.TotalSeconds:0.0}s");
        foreach (var (operation, statuses) in answered)
        {
            output.WriteLine($"{operation}: {string.Join(", ", statuses)}");
        }

        probes.Count.ShouldBeGreaterThan(1000);

        // The walk reaches the handlers: most operations answered a success for something it sent.
        answered.Count(a => a.Value.Any(s => s is >= 200 and < 300)).ShouldBeGreaterThan(answered.Count / 2);
        failures.ShouldBeEmpty(string.Join("\n", failures.Take(40)) + "\nServer errors:\n" + string.Join("\n", app.ServerErrors.Entries.Take(3)));
    }

    [Fact]
    public async Task every_operation_refuses_a_query_parameter_it_does_not_declare()
    {
        var document = await DocumentAsync();
        var failures = new List<string>();
        using var client = app.Client();
        foreach (var (method, path, _) in Operations(document))
        {
            var url = Fill(app.Ids, path, existing: true) + "?hostileUnknown=1";
            using var request = new HttpRequestMessage(new HttpMethod(method), url);
            using var response = await client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            if ((int)response.StatusCode != 400 || !text.Contains("'hostileUnknown' is not a query parameter", StringComparison.Ordinal))
            {
                failures.Add($"{method} {url} → {(int)response.StatusCode} {Short(text)}");
            }
        }

        failures.ShouldBeEmpty(string.Join("\n", failures));
    }

    [Fact]
    public async Task every_operation_documents_the_400_it_answers_to_a_query_it_does_not_take()
    {
        var document = await DocumentAsync();
        Operations(document).Where(o => !o.Operation.GetProperty("responses").TryGetProperty("400", out _)).Select(o => $"{o.Method} {o.Path}")
            .ShouldBeEmpty();
    }

    private async Task<JsonElement> DocumentAsync()
    {
        var result = await app.Scenario(s => s.Get.Url("/openapi/v1.json").Anonymous().StatusCodeShouldBe(200));
        return result.Json;
    }

    internal static IEnumerable<(string Method, string Path, JsonElement Operation)> Operations(JsonElement document) =>
        from path in document.GetProperty("paths").EnumerateObject()
        from operation in path.Value.EnumerateObject()
        where operation.Name is "get" or "post" or "put" or "delete" or "patch"
        select (operation.Name.ToUpperInvariant(), path.Name, operation.Value);

    /// <summary>The hostile requests for every operation; <paramref name="fill"/> names things that exist, or do not, in a path.</summary>
    internal static IEnumerable<Probe> Probes(JsonElement document, Func<string, bool, string> fill)
    {
        var schemas = document.GetProperty("components").GetProperty("schemas");
        foreach (var (method, path, operation) in Operations(document))
        {
            foreach (var existing in new[] { true, false })
            {
                var url = fill(path, existing);
                var body = operation.TryGetProperty("requestBody", out var requestBody)
                    ? Resolve(requestBody.GetProperty("content").EnumerateObject().First().Value.GetProperty("schema"), schemas)
                    : (JsonElement?)null;

                // Without a body, or with nothing else wrong: the plain request, for ids that exist and ids that do not.
                yield return new Probe(method, path, url, null, "no body");
                foreach (var (raw, why) in RootBodies)
                {
                    yield return new Probe(method, path, url, raw, why);
                }

                if (body is { } shape)
                {
                    var sample = Sample(shape, schemas, 0);
                    yield return new Probe(method, path, url, sample?.ToJsonString(), "a plausible body");
                    foreach (var (mutated, why) in Mutations(shape, sample, schemas, "", 0).Take(existing ? int.MaxValue : 12))
                    {
                        yield return new Probe(method, path, url, mutated, why);
                    }
                }

                if (!existing || !operation.TryGetProperty("parameters", out var parameters))
                {
                    continue;
                }

                foreach (var parameter in parameters.EnumerateArray().Where(p => p.GetProperty("in").GetString() == "query"))
                {
                    var name = parameter.GetProperty("name").GetString()!;
                    foreach (var value in QueryGarbage)
                    {
                        yield return new Probe(method, path, $"{url}?{name}={value}", null, $"query {name}");
                    }
                }
            }
        }
    }

    private static readonly (string Raw, string Why)[] RootBodies =
    [
        ("", "an empty body"), ("null", "json null"), ("[]", "an empty list"), ("{}", "an empty object"), ("\"text\"", "a string"), ("42", "a number"),
        ("{", "truncated json"), ("{\"a\":1,}", "a trailing comma"), (new string('[', 100) + new string(']', 100), "deep nesting"),
        ("{\"hostileUnknown\":1}", "an unknown field"),
    ];

    private static readonly string[] QueryGarbage =
    [
        "", "%00", "abc", "-1", "0", "99999999999999999999", "1.5", "true", "9999-12-31T23:59:59Z", "-0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z",
        "2026-11-22", "%FF%FE", "'%20OR%201%3D1--", new string('q', 3000), "a&hostileUnknown=2",
    ];

    /// <summary>
    /// The body (<paramref name="sample"/> is its value at this level) with one thing wrong at a time, for each field down
    /// to two levels of nesting; nested bodies are built from the inside out.
    /// </summary>
    private static IEnumerable<(string Body, string Why)> Mutations(JsonElement shape, JsonNode? sample, JsonElement schemas, string at, int depth)
    {
        if (depth > 2 || sample is null)
        {
            yield break;
        }

        if (sample is JsonObject obj && Properties(shape) is { } properties)
        {
            foreach (var property in properties.EnumerateObject())
            {
                var fieldShape = Resolve(property.Value, schemas);
                foreach (var (value, why) in Hostile(fieldShape, schemas))
                {
                    var copy = obj.DeepClone().AsObject();
                    copy[property.Name] = value?.DeepClone();
                    yield return (copy.ToJsonString(), $"{at}{property.Name}: {why}");
                }

                var duplicated = obj.ToJsonString();
                if (duplicated.Length > 2)
                {
                    yield return (duplicated[..^1] + $",\"{property.Name}\":{obj[property.Name]?.ToJsonString() ?? "null"}}}", $"{at}{property.Name}: duplicated");
                }

                if (obj[property.Name] is { } child)
                {
                    foreach (var nested in Mutations(fieldShape, child, schemas, $"{at}{property.Name}.", depth + 1))
                    {
                        var copy = obj.DeepClone().AsObject();
                        copy[property.Name] = JsonNode.Parse(nested.Body);
                        yield return (copy.ToJsonString(), nested.Why);
                    }
                }
            }
        }
        else if (sample is JsonArray list && Items(shape, schemas) is { } itemShape && Sample(itemShape, schemas, depth + 1) is { } item)
        {
            foreach (var (value, why) in Hostile(itemShape, schemas))
            {
                yield return (new JsonArray(value?.DeepClone()).ToJsonString(), $"{at}[0]: {why}");
            }

            foreach (var nested in Mutations(itemShape, item, schemas, $"{at}[0].", depth + 1))
            {
                yield return (new JsonArray(JsonNode.Parse(nested.Body)).ToJsonString(), nested.Why);
            }
        }
        else if (sample is JsonObject map && AdditionalProperties(shape, schemas) is { } valueShape)
        {
            foreach (var (value, why) in Hostile(valueShape, schemas).Take(6))
            {
                var copy = map.DeepClone().AsObject();
                copy["production"] = value?.DeepClone();
                yield return (copy.ToJsonString(), $"{at}production: {why}");
            }

            if (Sample(valueShape, schemas, depth + 1) is { } value2)
            {
                foreach (var nested in Mutations(valueShape, value2, schemas, $"{at}production.", depth + 1))
                {
                    yield return (new JsonObject { ["production"] = JsonNode.Parse(nested.Body) }.ToJsonString(), nested.Why);
                }
            }
        }
    }

    /// <summary>Wrong-typed and out-of-range values for a field of this shape.</summary>
    private static IEnumerable<(JsonNode? Value, string Why)> Hostile(JsonElement shape, JsonElement schemas)
    {
        yield return (null, "null");
        yield return (JsonValue.Create(99999999999999999999m), "a huge number");
        yield return (new JsonObject { ["hostileUnknown"] = 1 }, "an object");
        yield return (new JsonArray(JsonValue.Create(1), JsonValue.Create("x")), "a list");
        var type = TypeOf(shape);
        var format = shape.TryGetProperty("format", out var f) ? f.GetString() : null;
        if (shape.TryGetProperty("enum", out _))
        {
            yield return (JsonValue.Create("NOT-A-VALUE"), "an unknown enum value");
            yield return (JsonValue.Create(3), "an enum as a number");
            yield break;
        }

        switch (type, format)
        {
            case ("string", "date-time"):
                foreach (var text in new[] { "9999-12-31T23:59:59Z", "-0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "9998-12-31T23:59:59Z", "10000-01-01T00:00:00Z", "2026-11-22" })
                {
                    yield return (JsonValue.Create(text), text);
                }

                break;
            case ("string", "duration"):
                foreach (var text in new[] { "P999999Y", "PT99999999999999999H", "P3654D", "-P1D", "PT0S", "P1M" })
                {
                    yield return (JsonValue.Create(text), text);
                }

                break;
            case ("string", "date"):
                foreach (var text in new[] { "9999-12-31", "-0001-01-01", "0001-01-01", "2026-02-30" })
                {
                    yield return (JsonValue.Create(text), text);
                }

                break;
            case ("string", _):
                yield return (JsonValue.Create(5), "a number for text");
                yield return (JsonValue.Create(true), "a boolean for text");
                yield return (JsonValue.Create(""), "empty text");
                yield return (JsonValue.Create("a\u0000b"), "a NUL character");
                yield return (JsonValue.Create(new string('x', 20_000)), "20k characters");
                yield return (JsonValue.Create("'; DROP TABLE governance.events; --"), "sql");
                break;
            case ("integer", _):
                yield return (JsonValue.Create("12"), "text for a whole number");
                yield return (JsonValue.Create(1.5), "a fraction");
                yield return (JsonValue.Create(-1), "minus one");
                yield return (JsonValue.Create(long.MinValue), "the smallest long");
                yield return (JsonValue.Create(int.MaxValue), "the largest int");
                break;
            case ("number", _):
                yield return (JsonValue.Create("0.5"), "text for a number");
                yield return (JsonValue.Create(1e308), "1e308");
                yield return (JsonValue.Create(-1e308), "-1e308");
                yield return (JsonValue.Create(-1), "minus one");
                break;
            case ("boolean", _):
                yield return (JsonValue.Create("yes"), "yes");
                yield return (JsonValue.Create(1), "one");
                break;
            case ("array", _):
                yield return (JsonValue.Create("x"), "text for a list");
                yield return (new JsonArray((JsonNode?)null), "a list holding null");
                yield return (new JsonArray(JsonValue.Create(5)), "a list holding a number");
                yield return (new JsonArray(new JsonObject()), "a list holding an object");
                break;
            case ("object", _):
                yield return (JsonValue.Create("x"), "text for an object");
                yield return (new JsonObject { ["a\u0000"] = 1 }, "a NUL in a name");
                yield return (new JsonObject { ["a"] = "b\u0000" }, "a NUL in a value");
                break;
            default:
                yield return (JsonValue.Create("x"), "text");
                break;
        }
    }

    /// <summary>Values that pass for the real thing, by field name, so that a body with one hostile field reaches the handler.</summary>
    private static readonly Dictionary<string, string> Plausible = new()
    {
        ["from"] = "\"2026-11-23T10:00:00Z\"", ["to"] = "\"2026-11-23T10:05:00Z\"", ["window"] = "\"P28D\"", ["labelDelay"] = "\"PT1H\"",
        ["objective"] = "0.9", ["stage"] = "\"production\"", ["targetStage"] = "\"shadow\"", ["version"] = "\"1.0.0\"",
        ["digest"] = $"\"sha256:{new string('0', 64)}\"", ["uri"] = "\"s3://walk/data\"", ["artifactUri"] = "\"s3://walk/model\"",
        ["timeZone"] = "\"UTC\"", ["handoffDay"] = "\"Monday\"", ["handoffTime"] = "\"10:00\"", ["shiftLength"] = "\"P7D\"",
        ["startsOn"] = "\"2026-11-23\"", ["members"] = "[\"walk-ana\"]", ["member"] = "\"walk-ana\"", ["suite"] = "\"walk-suite\"",
        ["name"] = "\"walk-new\"", ["key"] = "\"walk-new\"", ["team"] = "\"walk-team\"", ["model"] = "\"walk-model\"", ["good"] = "1",
        ["total"] = "2", ["roles"] = "[\"viewer\"]", ["datasets"] = "[\"walk-data@1.0.0\"]", ["trainingDatasets"] = "[\"walk-data@1.0.0\"]",
        ["direction"] = "\"higher\"", ["threshold"] = "0.5", ["metric"] = "\"auc\"", ["runId"] = "\"run-new\"", ["codeCommit"] = "\"abc123\"",
        ["configHash"] = "\"cfg\"", ["taskType"] = "\"binary-classification\"", ["rule"] = "\"walk-rule\"", ["assignee"] = "\"walk-ben\"",
        ["requiredApprovals"] = "1", ["approverRoles"] = "[\"approver\"]", ["blockOnIncidentSeverity"] = "\"SEV1\"", ["minSoak"] = "\"PT1H\"",
    };

    /// <summary>A body that would pass for the real thing, so the hostile field is the only thing wrong.</summary>
    internal static JsonNode? Sample(JsonElement shape, JsonElement schemas, int depth, string? name = null)
    {
        if (name is not null && Plausible.TryGetValue(name, out var plausible))
        {
            return JsonNode.Parse(plausible);
        }

        if (shape.TryGetProperty("enum", out var values))
        {
            return values.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => JsonValue.Create(v.GetString())).FirstOrDefault();
        }

        var format = shape.TryGetProperty("format", out var f) ? f.GetString() : null;
        switch (TypeOf(shape))
        {
            case "object" when Properties(shape) is { } properties && depth < 3:
                var obj = new JsonObject();
                foreach (var property in properties.EnumerateObject())
                {
                    obj[property.Name] = Sample(Resolve(property.Value, schemas), schemas, depth + 1, property.Name);
                }

                return obj;
            case "object":
                return new JsonObject();
            case "array" when depth < 3 && Items(shape, schemas) is { } items && TypeOf(items) == "object":
                return new JsonArray(Sample(items, schemas, depth + 1));
            case "array":
                return new JsonArray();
            case "integer":
                return JsonValue.Create(1);
            case "number":
                return JsonValue.Create(0.5);
            case "boolean":
                return JsonValue.Create(true);
            case "string":
                return JsonValue.Create(format switch
                {
                    "date-time" => "2026-11-23T10:00:00Z",
                    "duration" => "P7D",
                    "date" => "2026-11-23",
                    "time" => "10:00",
                    _ => "walk-model",
                });
            default:
                return JsonValue.Create("walk-model");
        }
    }

    internal static string? TypeOf(JsonElement shape)
    {
        if (!shape.TryGetProperty("type", out var type))
        {
            return shape.TryGetProperty("properties", out _) ? "object" : null;
        }

        return type.ValueKind == JsonValueKind.Array
            ? type.EnumerateArray().Select(t => t.GetString()).FirstOrDefault(t => t != "null")
            : type.GetString();
    }

    internal static JsonElement? Properties(JsonElement shape) =>
        shape.TryGetProperty("properties", out var properties) && properties.EnumerateObject().Any() ? properties : null;

    internal static JsonElement? Items(JsonElement shape, JsonElement schemas) =>
        shape.TryGetProperty("items", out var items) ? Resolve(items, schemas) : null;

    private static JsonElement? AdditionalProperties(JsonElement shape, JsonElement schemas) =>
        shape.TryGetProperty("additionalProperties", out var values) && values.ValueKind == JsonValueKind.Object ? Resolve(values, schemas) : null;

    /// <summary>Follows $ref and picks the non-null branch of a oneOf.</summary>
    internal static JsonElement Resolve(JsonElement shape, JsonElement schemas)
    {
        for (var i = 0; i < 10; i++)
        {
            if (shape.TryGetProperty("$ref", out var reference))
            {
                shape = schemas.GetProperty(reference.GetString()!.Split('/')[^1]);
            }
            else if (shape.TryGetProperty("oneOf", out var options) || shape.TryGetProperty("anyOf", out options))
            {
                shape = options.EnumerateArray().FirstOrDefault(o => !(o.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() == "null"));
            }
            else
            {
                return shape;
            }
        }

        return shape;
    }

    /// <summary>The path with its parameters naming the walk's things, or things that do not exist.</summary>
    internal static string Fill(IReadOnlyDictionary<string, string> ids, string path, bool existing)
    {
        var segments = path.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            if (segments[i] is not ['{', .., '}'])
            {
                continue;
            }

            var name = segments[i][1..^1];
            var owner = i > 0 ? segments[i - 1] : "";
            segments[i] = !existing ? Missing : name switch
            {
                "key" => "walk-model",
                "version" => "1.0.0",
                "stage" => "production",
                "team" => "walk-team",
                "streamId" => "model-walk-model",
                "name" when owner == "principals" => "walk-viewer",
                "name" when owner == "datasets" => "walk-data",
                "name" when owner == "evaluation-suites" => "walk-suite",
                "id" when ids.TryGetValue(owner, out var id) => id,
                _ => Missing,
            };
        }

        return string.Join('/', segments);
    }

    private static string Short(string? text) => text is null ? "" : text.Length > 300 ? text[..300] + "…" : text;
}
