using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Governance.Api.Tests.Harness;
using Xunit.Abstractions;

namespace Governance.Api.Tests.Conventions;

/// <summary>
/// The OpenAPI document tells the truth about the wire. One walk sends real requests — a realistic life of every kind
/// of thing (every write at least once, with its success), a read of every GET, the hostile walk of
/// <see cref="OpenApiHostileTests"/>, and requests without a key, with too small a role, too large a body, the wrong
/// content type, and an ETag sent back — and keeps every answer. Each answer must be documented for its operation and
/// status, and its body must match the documented schema for that status and content type: what a generated client
/// would do with it.
/// </summary>
public sealed class OpenApiTruthTests(OpenApiTruthTests.TruthApp app, ITestOutputHelper output) : IClassFixture<OpenApiTruthTests.TruthApp>
{
    /// <summary>One request of the walk and what came back; <see cref="Path"/> is the operation's path template.</summary>
    public sealed record Exchange(string Method, string Path, int Status, string? MediaType, string Body, string Why);

    /// <summary>The document as served and every answer of the walk.</summary>
    public sealed record Walk(JsonElement Document, IReadOnlyList<Exchange> Exchanges);

    /// <summary>The walk's service; the walk runs once, for every test of the class.</summary>
    public sealed class TruthApp : OpenApiHostileTests.WalkApp
    {
        private Task<Walk>? walk;

        /// <summary>The walk, run on first use.</summary>
        public Task<Walk> WalkAsync() => walk ??= new Walker(this).RunAsync();
    }

    [Fact]
    public async Task every_answer_matches_the_schema_documented_for_its_status_and_content_type()
    {
        var walk = await app.WalkAsync();
        var schemas = new DocumentSchemas(walk.Document);
        var failures = new List<string>();
        var checkedSuccess = new HashSet<string>();
        foreach (var exchange in walk.Exchanges)
        {
            var operation = $"{exchange.Method} {exchange.Path}";
            if (Response(walk.Document, exchange) is not { } response)
            {
                continue; // undocumented statuses are the other test's finding
            }

            var content = response.TryGetProperty("content", out var c) ? c : (JsonElement?)null;
            if (exchange.Body.Length == 0)
            {
                if (content is { } expected && expected.EnumerateObject().Any())
                {
                    failures.Add($"{operation} → {exchange.Status} [{exchange.Why}]: the document promises a body ({string.Join(", ", expected.EnumerateObject().Select(m => m.Name))}), none came");
                }

                if (exchange.Status is >= 200 and < 300)
                {
                    checkedSuccess.Add(operation);
                }

                continue;
            }

            if (content is not { } media || !media.TryGetProperty(exchange.MediaType ?? "", out var documented))
            {
                failures.Add($"{operation} → {exchange.Status} [{exchange.Why}]: a {exchange.MediaType} body, which the document does not list for this status");
                continue;
            }

            if (exchange.Status is >= 200 and < 300)
            {
                checkedSuccess.Add(operation);
            }

            if (!IsJson(exchange.MediaType) || !documented.TryGetProperty("schema", out var schema))
            {
                continue;
            }

            using var body = JsonDocument.Parse(exchange.Body);
            foreach (var disagreement in schemas.Disagreements(schema, body.RootElement))
            {
                failures.Add($"{operation} → {exchange.Status} [{exchange.Why}] at {disagreement}");
            }
        }

        output.WriteLine($"{walk.Exchanges.Count} answers checked");
        failures.Distinct().ShouldBeEmpty(string.Join("\n", failures.Distinct().Take(60)));

        // The walk reached every operation's success, so every success schema was held against a real body.
        OpenApiHostileTests.Operations(walk.Document).Select(o => $"{o.Method} {o.Path}").Where(o => !checkedSuccess.Contains(o)).ShouldBeEmpty();
    }

    [Fact]
    public async Task every_status_an_operation_answered_is_in_the_document()
    {
        var walk = await app.WalkAsync();
        var missing = walk.Exchanges
            .Where(e => Response(walk.Document, e) is null)
            .GroupBy(e => (e.Method, e.Path, e.Status))
            .Select(g => $"{g.Key.Method} {g.Key.Path} answered {g.Key.Status} (e.g. {g.First().Why}: {Short(g.First().Body)})")
            .ToList();
        foreach (var (operation, statuses) in walk.Exchanges.GroupBy(e => $"{e.Method} {e.Path}").Select(g => (g.Key, g.Select(e => e.Status).Distinct().Order())))
        {
            output.WriteLine($"{operation}: {string.Join(", ", statuses)}");
        }

        // The walk provoked the statuses the service's own rules answer, so their documentation was checked.
        foreach (var status in new[] { 200, 201, 202, 204, 304, 400, 401, 403, 404, 409, 413, 415, 422 })
        {
            walk.Exchanges.ShouldContain(e => e.Status == status, $"the walk never got a {status}");
        }

        missing.ShouldBeEmpty(string.Join("\n", missing));
    }

    [Fact]
    public async Task every_operation_documents_its_success_with_the_body_it_sends()
    {
        var walk = await app.WalkAsync();
        var failures = new List<string>();
        foreach (var (method, path, operation) in OpenApiHostileTests.Operations(walk.Document))
        {
            var successes = operation.GetProperty("responses").EnumerateObject().Where(r => r.Name.StartsWith('2')).ToList();
            if (successes.Count == 0)
            {
                failures.Add($"{method} {path}: no success response");
            }

            foreach (var success in successes.Where(s => s.Name is not ("202" or "204")))
            {
                if (!success.Value.TryGetProperty("content", out var content) || !content.EnumerateObject().Any(m => m.Value.TryGetProperty("schema", out _)))
                {
                    failures.Add($"{method} {path}: {success.Name} has no body schema");
                }
            }
        }

        failures.ShouldBeEmpty(string.Join("\n", failures));
    }

    [Fact]
    public async Task the_model_document_is_documented_in_markdown_and_in_html()
    {
        var walk = await app.WalkAsync();
        var content = walk.Document.GetProperty("paths").GetProperty("/api/v1/docs/models/{key}").GetProperty("get")
            .GetProperty("responses").GetProperty("200").GetProperty("content");
        content.EnumerateObject().Select(m => m.Name).ShouldBe(["text/markdown", "text/html"], ignoreOrder: true);
        walk.Exchanges.ShouldContain(e => e.Path == "/api/v1/docs/models/{key}" && e.Status == 200 && e.MediaType == "text/html");
    }

    [Fact]
    public async Task an_alert_s_severity_is_documented_with_every_word_it_accepts()
    {
        var walk = await app.WalkAsync();
        var schemas = walk.Document.GetProperty("components").GetProperty("schemas");
        var body = walk.Document.GetProperty("paths").GetProperty("/api/v1/alerts").GetProperty("post").GetProperty("requestBody")
            .GetProperty("content").GetProperty("application/json").GetProperty("schema");
        var severity = OpenApiHostileTests.Properties(OpenApiHostileTests.Resolve(body, schemas))!.Value.GetProperty("severity");
        severity.GetProperty("enum").EnumerateArray().Select(v => v.GetString())
            .ShouldBe(["SEV1", "SEV2", "SEV3", "SEV4", "critical", "error", "warning", "info"]);
    }

    [Fact]
    public async Task request_fields_the_document_calls_optional_may_be_left_out_and_required_ones_may_not()
    {
        var walk = await app.WalkAsync();
        var schemas = walk.Document.GetProperty("components").GetProperty("schemas");
        var failures = new List<string>();
        var tried = 0;
        using var client = app.Client();
        foreach (var (method, path, shape, sample) in SampledBodies(walk.Document, schemas))
        {
            foreach (var (field, required, dependent, without) in Omissions(shape, sample, schemas, ""))
            {
                tried++;
                var url = OpenApiHostileTests.Fill(app.Ids, path, existing: true);
                var (status, text) = await SendAsync(client, method, url, without.ToJsonString());
                var errors = Errors(text);
                if (required && (status != 400 || !errors.Contains(field)))
                {
                    failures.Add($"{method} {path}: '{field}' is required in the document, yet leaving it out answered {status} {Short(text)}");
                }
                else if (!required && !dependent && errors.Contains(field))
                {
                    failures.Add($"{method} {path}: '{field}' is optional in the document, yet leaving it out answered {status} {Short(text)}");
                }
            }
        }

        output.WriteLine($"{tried} omissions tried");
        tried.ShouldBeGreaterThan(100);
        failures.ShouldBeEmpty(string.Join("\n", failures));
    }

    [Fact]
    public async Task a_wrong_enum_value_in_any_request_body_names_the_field_and_the_values_it_takes()
    {
        var walk = await app.WalkAsync();
        var schemas = walk.Document.GetProperty("components").GetProperty("schemas");
        var failures = new List<string>();
        var tried = 0;
        using var client = app.Client();
        foreach (var (method, path, shape, sample) in SampledBodies(walk.Document, schemas))
        {
            foreach (var (field, values, body) in WrongEnums(shape, sample, schemas, ""))
            {
                tried++;
                var url = OpenApiHostileTests.Fill(app.Ids, path, existing: true);
                using var request = new HttpRequestMessage(new HttpMethod(method), url) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
                using var response = await client.SendAsync(request);
                var text = await response.Content.ReadAsStringAsync();
                var messages = ErrorMessages(text, field);
                var problem = (int)response.StatusCode != 400 ? $"answered {(int)response.StatusCode}"
                    : response.Content.Headers.ContentType?.MediaType != "application/problem+json" ? "is not problem+json"
                    : messages is null ? $"has no error keyed '{field}'"
                    : values.FirstOrDefault(v => !messages.Contains(v, StringComparison.Ordinal)) is { } absent ? $"does not name the value '{absent}'"
                    : ProblemText.WithoutTraceId(text) is var shown && (shown.Contains("Governance.", StringComparison.Ordinal) || shown.Contains("System.", StringComparison.Ordinal))
                        ? "names a .NET type"
                        : null;
                if (problem is not null)
                {
                    failures.Add($"{method} {path} with '{field}': \"urgent\" {problem}: {Short(text)}");
                }
            }
        }

        output.WriteLine($"{tried} wrong enum values tried");
        tried.ShouldBeGreaterThanOrEqualTo(8);
        failures.ShouldBeEmpty(string.Join("\n", failures));
    }

    [Fact]
    public async Task a_wrong_severity_on_an_alert_says_which_severities_there_are()
    {
        var result = await app.Scenario(s => s.Post.Json(new { rule = "disk", model = "walk-model", severity = "urgent", summary = "s" }).ToUrl("/api/v1/alerts")
            .StatusCodeShouldBe(400).ShouldBeProblem());
        result.Json.GetProperty("errors").GetProperty("severity")[0].GetString().ShouldBe("'severity' must be one of: SEV1, SEV2, SEV3, SEV4, critical, error, warning, info.");
        result.Body.ShouldNotContain("Governance.");
    }

    /// <summary>The documented response of an answer's operation for its status, if any.</summary>
    private static JsonElement? Response(JsonElement document, Exchange exchange) =>
        document.GetProperty("paths").GetProperty(exchange.Path).GetProperty(exchange.Method.ToLowerInvariant()).GetProperty("responses")
            .TryGetProperty(exchange.Status.ToString(System.Globalization.CultureInfo.InvariantCulture), out var response)
            ? response
            : null;

    private static bool IsJson(string? mediaType) => mediaType is "application/json" or "application/problem+json";

    // Every operation that reads a JSON body, with the body's schema and a valid sample to vary.
    private static IEnumerable<(string Method, string Path, JsonElement Shape, JsonNode Sample)> SampledBodies(JsonElement document, JsonElement schemas)
    {
        foreach (var (method, path, operation) in OpenApiHostileTests.Operations(document))
        {
            if (JsonBody(operation, schemas) is { } shape && OpenApiHostileTests.Sample(shape, schemas, 0) is { } sample)
            {
                yield return (method, path, shape, sample);
            }
        }
    }

    private static JsonElement? JsonBody(JsonElement operation, JsonElement schemas) =>
        operation.TryGetProperty("requestBody", out var body) && body.GetProperty("content").TryGetProperty("application/json", out var json)
            ? OpenApiHostileTests.Resolve(json.GetProperty("schema"), schemas)
            : null;

    /// <summary>
    /// The body without one field at a time, to two levels (fields of objects in lists and of nested objects); whether the
    /// document requires the field, or requires it because another field of the (full) sample is there (dependentRequired).
    /// </summary>
    private static IEnumerable<(string Field, bool Required, bool Dependent, JsonNode Without)> Omissions(JsonElement shape, JsonNode sample, JsonElement schemas, string at)
    {
        foreach (var (path, parentShape, required, parent, name) in Fields(shape, sample, schemas, at, 0))
        {
            var dependent = parentShape.TryGetProperty("dependentRequired", out var dependents)
                && dependents.EnumerateObject().Any(d => parent.ContainsKey(d.Name) && d.Value.EnumerateArray().Any(f => f.GetString() == name));
            var removed = parent[name];
            parent.Remove(name);
            yield return (path, required, dependent, sample.Root.DeepClone());
            parent[name] = removed;
        }
    }

    /// <summary>The body with "warning" in one enum field at a time.</summary>
    private static IEnumerable<(string Field, IReadOnlyList<string> Values, JsonNode Body)> WrongEnums(JsonElement shape, JsonNode sample, JsonElement schemas, string at)
    {
        foreach (var (path, parentShape, _, parent, name) in Fields(shape, sample, schemas, at, 0))
        {
            var fieldShape = OpenApiHostileTests.Resolve(parentShape.GetProperty("properties").GetProperty(name), schemas);
            if (!fieldShape.TryGetProperty("enum", out var values))
            {
                continue;
            }

            var kept = parent[name];
            parent[name] = "urgent";
            yield return (path, [.. values.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)], sample.Root.DeepClone());
            parent[name] = kept;
        }
    }

    /// <summary>Every field of the sample body down to two levels: its JSON path, the shape of the object holding it, and whether the document requires it.</summary>
    private static IEnumerable<(string Path, JsonElement ParentShape, bool Required, JsonObject Parent, string Name)> Fields(
        JsonElement shape, JsonNode sample, JsonElement schemas, string at, int depth)
    {
        if (depth > 1)
        {
            yield break;
        }

        if (sample is JsonArray { Count: > 0 } list && OpenApiHostileTests.Items(shape, schemas) is { } itemShape)
        {
            foreach (var field in Fields(itemShape, list[0]!, schemas, $"{at}[0]", depth + 1))
            {
                yield return field;
            }

            yield break;
        }

        if (sample is not JsonObject obj || OpenApiHostileTests.Properties(shape) is not { } properties)
        {
            yield break;
        }

        var required = shape.TryGetProperty("required", out var names) ? names.EnumerateArray().Select(n => n.GetString()).ToHashSet() : [];
        foreach (var property in properties.EnumerateObject())
        {
            var path = at.Length == 0 ? property.Name : $"{at}.{property.Name}";
            var fieldShape = OpenApiHostileTests.Resolve(property.Value, schemas);
            yield return (path, shape, required.Contains(property.Name), obj, property.Name);
            if (obj[property.Name] is { } child)
            {
                foreach (var nested in Fields(fieldShape, child, schemas, path, depth + 1))
                {
                    yield return nested;
                }
            }
        }
    }

    private static async Task<(int Status, string Text)> SendAsync(HttpClient client, string method, string url, string body)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        using var response = await client.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static HashSet<string> Errors(string text)
    {
        try
        {
            using var json = JsonDocument.Parse(text);
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("errors", out var errors)
                ? [.. errors.EnumerateObject().Select(e => e.Name)]
                : [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    private static string? ErrorMessages(string text, string field)
    {
        try
        {
            using var json = JsonDocument.Parse(text);
            return json.RootElement.TryGetProperty("errors", out var errors) && errors.TryGetProperty(field, out var messages)
                ? string.Join(" ", messages.EnumerateArray().Select(m => m.GetString()))
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Short(string? text) => text is null ? "" : text.Length > 300 ? text[..300] + "…" : text;

    /// <summary>Runs the walk: real requests, every answer kept with the operation it belongs to.</summary>
    private sealed class Walker(TruthApp app)
    {
        private readonly List<Exchange> exchanges = [];
        private readonly Dictionary<string, string> ids = [];
        private List<(string Method, string Path, Regex Pattern, int Parameters)> templates = [];
        private string viewerKey = "";

        public async Task<Walk> RunAsync()
        {
            using var document = JsonDocument.Parse((await app.Scenario(s => s.Get.Url("/openapi/v1.json").Anonymous().StatusCodeShouldBe(200))).Body);
            var root = document.RootElement.Clone();
            templates = [.. OpenApiHostileTests.Operations(root)
                .Select(o => (o.Method, o.Path, new Regex("^" + Regex.Replace(Regex.Escape(o.Path), @"\\\{[^/]+?}", "[^/]+") + "$"), o.Path.Count(ch => ch == '{')))
                .OrderBy(t => t.Item4)];
            viewerKey = await app.CreatePrincipalAsync("truth-viewer", GovernanceApp.Role.Viewer);

            await LifeAsync();
            await ReadEverythingAsync(root);
            await HostileAsync(root);
            await GuardsAsync(root);
            return new Walk(root, exchanges);
        }

        /// <summary>A realistic life: every write of the API with the answer it gives when all is well.</summary>
        private async Task LifeAsync()
        {
            const string Model = "truth-model";
            var ana = Key(await SendAsync("POST", "/api/v1/principals", new { name = "truth-ana", roles = new[] { "approver" } }, expect: 201));
            var bob = Key(await SendAsync("POST", "/api/v1/principals", new { name = "truth-bob", roles = new[] { "approver" } }, expect: 201));
            await SendAsync("POST", "/api/v1/principals", new { name = "truth-olga", roles = new[] { "oncall" } }, expect: 201);
            await SendAsync("POST", "/api/v1/principals", new { name = "truth-oscar", roles = new[] { "oncall" } }, expect: 201);
            var issued = await SendAsync("POST", "/api/v1/principals/truth-ana/keys", expect: 201);
            await SendAsync("DELETE", $"/api/v1/principals/truth-ana/keys/{issued!.Value.GetProperty("keyId").GetString()}", expect: 204);
            await SendAsync("PUT", "/api/v1/principals/truth-bob/roles", new { roles = new[] { "approver", "contributor" } }, expect: 200);
            await SendAsync("GET", "/api/v1/principals/me", key: ana, expect: 200);

            await SendAsync("POST", "/api/v1/models", new
            {
                key = Model, name = "Truth model", description = "Scores card transactions", team = "truth-team", taskType = "binary-classification",
                kpis = new object[] { "chargeback-rate", new { name = "approval-rate", description = "Share of approved transactions", target = ">= 0.9" } },
            }, expect: 201);
            await SendAsync("POST", $"/api/v1/models/{Model}/notes", new { title = "Why the filter", body = "Bots in 2025.", tags = new[] { "history" } }, expect: 201);
            await SendAsync("PUT", $"/api/v1/models/{Model}/policy", new
            {
                stages = new Dictionary<string, object>
                {
                    ["shadow"] = new { requiredApprovals = 1, approverRoles = new[] { "approver" } },
                    ["production"] = new { requiredApprovals = 2, requiredSuites = new[] { "truth-suite" }, blockOnIncidentSeverity = "SEV2", minSoak = "PT1H" },
                },
            }, expect: 200);
            await SendAsync("PUT", $"/api/v1/models/{Model}/policy", raw: "stages:\n  shadow:\n    requiredApprovals: 1\n", contentType: "application/yaml", expect: 200);

            await SendAsync("POST", "/api/v1/datasets/truth-data/versions",
                new { version = "1.0.0", uri = "s3://truth/data/1", digest = Digest(1), rows = 1000, parents = Array.Empty<string>() }, expect: 201);
            await SendAsync("POST", "/api/v1/datasets/truth-data/versions",
                new { version = "2.0.0", uri = "s3://truth/data/2", digest = Digest(2), parents = new[] { "truth-data@1.0.0" } }, expect: 201);
            await SendAsync("POST", "/api/v1/datasets/truth-data/versions/2.0.0/flag", new { reason = "Label leak" }, expect: 200);

            ids["experiments"] = Id(await SendAsync("POST", "/api/v1/experiments", new { model = Model, hypothesis = "Fresher labels lift recall", kind = "data" }, expect: 201));
            await SendAsync("POST", $"/api/v1/experiments/{ids["experiments"]}/runs", new
            {
                runId = "run-1", codeCommit = "a1b2c3d", configHash = "cfg-1", @params = new { lr = 0.1 }, seed = 42, datasets = new[] { "truth-data@1.0.0" },
                environment = "python 3.11", metrics = new { auc = 0.91 }, startedAt = "2026-11-23T08:00:00Z", finishedAt = "2026-11-23T08:30:00Z",
            }, expect: 201);
            await SendAsync("POST", $"/api/v1/experiments/{ids["experiments"]}/conclusion", new { outcome = "adopted", reason = "Recall up 2 points" }, expect: 200);

            foreach (var (version, parents) in new[] { ("1.0.0", Array.Empty<string>()), ("2.0.0", new[] { $"{Model}@1.0.0" }) })
            {
                await SendAsync("POST", $"/api/v1/models/{Model}/versions", new
                {
                    version, artifactUri = $"s3://truth/models/{version}", digest = Digest(version.Length + version[0]), experimentId = ids["experiments"], runId = "run-1",
                    trainingDatasets = new[] { "truth-data@1.0.0" }, parents, codeCommit = "a1b2c3d", config = new { threshold = 0.7 },
                }, expect: 201);
            }

            await SendAsync("POST", $"/api/v1/models/{Model}/versions/1.0.0/guardrails", new { name = "pii-filter", version = "1.2", description = "Drops PII" }, expect: 201);

            var suite = new
            {
                name = "truth-suite", description = "Fraud standard",
                metrics = new object[] { new { name = "auc", threshold = 0.8, direction = "higher", maxRegression = 0.02 }, new { name = "latency", threshold = 50.0, direction = "lower" } },
                slices = new[] { new { name = "new-users", metric = "auc", threshold = 0.7 } },
            };
            await SendAsync("POST", "/api/v1/evaluation-suites", suite, expect: 201);
            await SendAsync("PUT", "/api/v1/evaluation-suites/truth-suite", suite with { description = "Fraud standard, revised" }, expect: 200);
            var evaluations = new Dictionary<string, string>();
            foreach (var version in new[] { "2.0.0", "1.0.0" })
            {
                evaluations[version] = ids["evaluations"] = Id(await SendAsync("POST", "/api/v1/evaluations", new
                {
                    model = Model, version, suite = "truth-suite", stage = "offline", datasets = new[] { "truth-data@1.0.0" },
                    metrics = new Dictionary<string, double> { ["auc"] = 0.9, ["latency"] = 30 },
                    slices = new Dictionary<string, object> { ["new-users"] = new Dictionary<string, double> { ["auc"] = 0.8 } },
                    productMetrics = new Dictionary<string, double> { ["approval-rate"] = 0.93 },
                }, expect: 201));
            }

            foreach (var version in new[] { "1.0.0", "2.0.0" })
            {
                var id = Id(await SendAsync("POST", "/api/v1/promotions", new
                {
                    model = Model, version, targetStage = "shadow", trafficPercent = 10, justification = "Better recall", evidence = new[] { evaluations[version] },
                }, expect: 201));
                await SendAsync("POST", $"/api/v1/promotions/{id}/approvals", new { comment = "Looks good" }, key: ana, expect: 200);
                await SendAsync("POST", $"/api/v1/promotions/{id}/deployment", expect: 200);
                ids["promotions"] = id;
            }

            var rejected = Id(await SendAsync("POST", "/api/v1/promotions", new { model = Model, version = "2.0.0", targetStage = "canary", justification = "j" }, expect: 201));
            await SendAsync("POST", $"/api/v1/promotions/{rejected}/rejections", new { reason = "Not yet" }, key: bob, expect: 200);
            var withdrawn = Id(await SendAsync("POST", "/api/v1/promotions", new { model = Model, version = "2.0.0", targetStage = "canary", justification = "j" }, expect: 201));
            await SendAsync("POST", $"/api/v1/promotions/{withdrawn}/withdrawal", new { reason = "Wrong version" }, expect: 200);
            await SendAsync("PUT", $"/api/v1/models/{Model}/stages/shadow/fallback", new { version = "1.0.0" }, expect: 200);

            await SendAsync("PUT", "/api/v1/teams/truth-team/rotation", new
            {
                timeZone = "UTC", handoffDay = "Monday", handoffTime = "09:00", shiftLength = "P7D", members = new[] { "truth-olga", "truth-oscar" },
                shadows = Array.Empty<string>(), startsOn = "2026-11-23", ackDeadlines = new Dictionary<string, string> { ["SEV1"] = "PT5M" },
            }, expect: 200);
            await SendAsync("POST", "/api/v1/teams/truth-team/overrides", new { member = "truth-oscar", from = "2026-11-24T00:00:00Z", to = "2026-11-24T12:00:00Z" }, expect: 201);

            ids["incidents"] = Id(await SendAsync("POST", "/api/v1/incidents", new
            {
                model = Model, stage = "shadow", version = "2.0.0", severity = "SEV2", title = "Scores drifted", description = "Approval rate fell",
                source = "user-report", category = "data-drift-natural",
            }, expect: 201));
            var incident = $"/api/v1/incidents/{ids["incidents"]}";
            await SendAsync("POST", $"{incident}/acknowledgement", new { note = "On it" }, expect: 200);
            await SendAsync("POST", $"{incident}/assignment", new { assignee = "truth-oscar" }, expect: 200);
            await SendAsync("POST", $"{incident}/mitigation", new { action = "rollback", note = "Back to 1.0.0" }, expect: 200);
            await SendAsync("POST", $"/api/v1/models/{Model}/stages/shadow/rollback", new { reason = "Drift", incidentId = ids["incidents"] }, expect: 200);
            await SendAsync("POST", $"{incident}/resolution", new { resolution = "Rolled back" }, expect: 200);
            await SendAsync("POST", $"{incident}/postmortem", new
            {
                summary = "Holiday traffic", impact = "3% more declines", rootCause = "Seasonal shift", trigger = "Holidays",
                actionItems = new[] { new { description = "Add a holiday slice", type = "detect", owner = "truth-olga" } }, lessons = "Watch holidays",
                addSlice = new { suite = "truth-suite", name = "holiday", metric = "auc", threshold = 0.75 },
            }, expect: 200);
            await SendAsync("POST", $"{incident}/reopening", new { reason = "Back again" }, expect: 200);

            ids["webhooks"] = Id(await SendAsync("POST", "/api/v1/webhooks", new { url = "https://hooks.example.com/truth", events = new[] { "alert_fired" }, model = Model, description = "Pager" }, expect: 201));
            await SendAsync("POST", $"/api/v1/webhooks/{ids["webhooks"]}/secret", new { }, expect: 200);

            var alert = new { rule = "latency-p99", model = Model, severity = "SEV3", dedupKey = "p99", summary = "p99 above 200 ms" };
            ids["alerts"] = Id(await SendAsync("POST", "/api/v1/alerts", alert, expect: 201));
            await SendAsync("POST", "/api/v1/alerts", alert, expect: 200);
            await SendAsync("POST", $"/api/v1/alerts/{ids["alerts"]}/acknowledgement", new { actionable = true, note = "Real" }, expect: 200);
            await SendAsync("POST", $"/api/v1/alerts/{ids["alerts"]}/escalation", new { severity = "SEV2" }, expect: 201);
            var resolved = Id(await SendAsync("POST", "/api/v1/alerts", alert with { dedupKey = "other" }, expect: 201));
            await SendAsync("POST", $"/api/v1/alerts/{resolved}/resolution", new { note = "Recovered" }, expect: 200);
            var notification = new
            {
                version = "4", status = "firing", receiver = "governance",
                alerts = new[] { new { status = "firing", labels = new Dictionary<string, string> { ["alertname"] = "Drift", ["model"] = Model, ["severity"] = "warning" },
                    annotations = new Dictionary<string, string> { ["summary"] = "PSI high" }, fingerprint = "0123456789abcdef" } },
            };
            await SendAsync("POST", "/api/v1/alerts/alertmanager", notification, expect: 200);

            const string OpenLineage = """
                { "eventType": "COMPLETE", "eventTime": "2026-11-23T08:00:00Z", "run": { "runId": "0193a1c2-0000-7000-8000-0000000000aa" },
                  "job": { "namespace": "airflow://truth", "name": "truth_features" },
                  "inputs": [{ "namespace": "s3://truth", "name": "data/1" }], "outputs": [{ "namespace": "s3://truth", "name": "features" }] }
                """;
            await SendAsync("POST", "/api/v1/lineage", raw: OpenLineage, expect: 201);
            await SendAsync("POST", "/api/v1/lineage", raw: OpenLineage, expect: 200);
            await SendAsync("POST", $"/api/v1/webhooks/{ids["webhooks"]}/redelivery", new { from = "2026-11-23T00:00:00Z" }, expect: 202);

            ids["slos"] = Id(await SendAsync("POST", "/api/v1/slos", new
            {
                name = "Accuracy", model = Model, stage = "shadow", objective = 0.99, window = "P28D", labelDelay = "PT1H", description = "Labels agree",
            }, expect: 201));
            await SendAsync("PUT", $"/api/v1/slos/{ids["slos"]}", new { name = "Accuracy", objective = 0.98, window = "P28D", labelDelay = "PT1H", description = "Looser" }, expect: 200);
            await SendAsync("POST", $"/api/v1/slos/{ids["slos"]}/measurements",
                new[] { new { from = "2026-11-23T06:00:00Z", to = "2026-11-23T07:00:00Z", good = 90, total = 100 } }, expect: 202);
        }

        /// <summary>Every GET of the document on the life's things, with the variants people use, and each ETag sent back.</summary>
        private async Task ReadEverythingAsync(JsonElement document)
        {
            foreach (var (method, path, _) in OpenApiHostileTests.Operations(document).Where(o => o.Method == "GET"))
            {
                var url = Fill(path) + path switch
                {
                    "/api/v1/lineage" => "?node=model:truth-model@1.0.0&direction=both&depth=3",
                    "/api/v1/audit/events" => "?model=truth-model&limit=20",
                    "/api/v1/teams/{team}/oncall" => "?at=2026-11-24T06:00:00Z",
                    _ => "",
                };
                var (status, etag) = await SendWithETagAsync(url, null);
                if (status == 200 && etag is not null)
                {
                    await SendWithETagAsync(url, etag);
                }
            }

            await SendAsync("GET", "/api/v1/docs/models/truth-model", accept: "text/html", expect: 200);
            await SendAsync("GET", "/api/v1/docs/models", accept: "text/html", expect: 200);
            await SendAsync("GET", "/api/v1/teams/truth-team/shift-report", accept: "text/markdown", expect: 200);
            await SendAsync("GET", "/api/v1/models/truth-model/deployments?at=2026-11-23T09:00:00Z", expect: 200);
            await SendAsync("GET", "/api/v1/evaluation-suites/truth-suite?revision=1", expect: 200);
            await SendAsync("GET", "/api/v1/models/truth-model/policy?revision=1", expect: 200);
        }

        /// <summary>The hostile walk's requests.</summary>
        private async Task HostileAsync(JsonElement document)
        {
            foreach (var probe in OpenApiHostileTests.Probes(document, (path, existing) => OpenApiHostileTests.Fill(app.Ids, path, existing)))
            {
                await SendAsync(probe.Method, probe.Url, raw: probe.Body, why: probe.Why);
            }
        }

        /// <summary>What the service's own rules answer before a handler runs: no key, too small a role, too large a body, a body that is not JSON.</summary>
        private async Task GuardsAsync(JsonElement document)
        {
            var tooLarge = "{\"a\":\"" + new string('x', 1024 * 1024) + "\"}";
            foreach (var (method, path, operation) in OpenApiHostileTests.Operations(document))
            {
                var url = OpenApiHostileTests.Fill(app.Ids, path, existing: true);
                await SendAsync(method, url, key: null, why: "no key");
                await SendAsync(method, url, key: viewerKey, why: "a viewer");
                await SendAsync(method, url, raw: tooLarge, why: "a body over the limit");
                if (operation.TryGetProperty("requestBody", out _))
                {
                    await SendAsync(method, url, raw: "name=x", contentType: "application/x-www-form-urlencoded", why: "a form body");
                    await SendAsync(method, url, raw: "x", contentType: "text/plain", why: "a text body");
                }
            }
        }

        private string Fill(string path)
        {
            var segments = path.Split('/');
            for (var i = 0; i < segments.Length; i++)
            {
                if (segments[i] is not ['{', .., '}'])
                {
                    continue;
                }

                var owner = segments[i - 1];
                segments[i] = segments[i][1..^1] switch
                {
                    "key" => "truth-model",
                    "version" when owner == "versions" => "2.0.0",
                    "stage" => "shadow",
                    "team" => "truth-team",
                    "streamId" => "model-truth-model",
                    "keyId" => "none",
                    "name" when owner == "principals" => "truth-ana",
                    "name" when owner == "datasets" => "truth-data",
                    "name" when owner == "evaluation-suites" => "truth-suite",
                    "id" when ids.TryGetValue(owner, out var id) => id,
                    var other => throw new InvalidOperationException($"The walk has nothing for {{{other}}} in {path}."),
                };
            }

            return string.Join('/', segments);
        }

        private async Task<(int Status, string? ETag)> SendWithETagAsync(string url, string? ifNoneMatch)
        {
            using var client = app.Client();
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (ifNoneMatch is not null)
            {
                request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
            }

            using var response = await client.SendAsync(request);
            await RecordAsync("GET", url, response, ifNoneMatch is null ? "read" : "If-None-Match with its ETag");
            return ((int)response.StatusCode, response.Headers.ETag?.ToString());
        }

        private async Task<JsonElement?> SendAsync(string method, string url, object? body = null, string? key = GovernanceApp.AdminKey, string? raw = null,
            string contentType = "application/json", string? accept = null, int? expect = null, string why = "the life")
        {
            using var client = app.Client(key);
            using var request = new HttpRequestMessage(new HttpMethod(method), url);
            var text = raw ?? (body is null ? null : JsonSerializer.Serialize(body, app.Json));
            if (text is not null)
            {
                request.Content = new StringContent(text, Encoding.UTF8);
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            }

            if (accept is not null)
            {
                request.Headers.Accept.ParseAdd(accept);
            }

            using var response = await client.SendAsync(request);
            var answer = await RecordAsync(method, url, response, accept is null ? why : $"{why}, Accept: {accept}");
            if (expect is { } expected && (int)response.StatusCode != expected)
            {
                throw new InvalidOperationException($"{method} {url} answered {(int)response.StatusCode}, not {expected}: {answer}");
            }

            return response.Content.Headers.ContentType?.MediaType?.EndsWith("json", StringComparison.Ordinal) == true && answer.Length > 0
                ? JsonDocument.Parse(answer).RootElement.Clone()
                : null;
        }

        private async Task<string> RecordAsync(string method, string url, HttpResponseMessage response, string why)
        {
            var body = await response.Content.ReadAsStringAsync();
            var path = new Uri(new Uri("http://walk"), url).AbsolutePath;
            var template = templates.FirstOrDefault(t => t.Method == method && t.Pattern.IsMatch(path));
            if (template.Path is null)
            {
                throw new InvalidOperationException($"The walk sent {method} {url}, which is no operation of the document.");
            }

            exchanges.Add(new Exchange(method, template.Path, (int)response.StatusCode, response.Content.Headers.ContentType?.MediaType,
                response.Content.Headers.ContentType?.MediaType == "application/zip" ? "(zip)" : body, why));
            return body;
        }

        private static string Key(JsonElement? created) => created!.Value.GetProperty("apiKey").GetString()!;

        private static string Id(JsonElement? created) => created!.Value.GetProperty("id").GetString()!;

        private static string Digest(int seed) => Registry.RegistryScenarios.Digest(1000 + seed);
    }
}
