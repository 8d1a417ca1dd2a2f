using Governance.Api.Tests.Harness;
using Governance.Api.Tests.Operations;
using Governance.Api.Tests.Registry;

namespace Governance.Api.Tests.Conventions;

/// <summary>
/// What a client is told when a body or a query cannot be read: a 400 problem with errors keyed by the field's JSON
/// path and a sentence a person understands, never the framework's words about .NET types.
/// </summary>
public sealed class ErrorMessageTests(GovernanceApp app) : IClassFixture<GovernanceApp>
{
    /// <summary>Words that only come from the framework or the runtime.</summary>
    public static readonly string[] Leaks =
    [
        "Governance.", "System.", "Microsoft.", "Npgsql", "Nullable", "Int32", "Int64", "could not be converted", "Implicit body inferred",
        "Failed to bind parameter", "Failed to read parameter", "Required parameter", ".NET", "Exception", "   at ", "SQL",
    ];

    /// <summary>A request and the field its error must be keyed by, with words the sentence must contain.</summary>
    public sealed record Bad(string Name, string Method, string Url, string? Body, string Field, params string[] Says)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<Bad> Cases() => new()
    {
        new("a severity that does not exist", "POST", "/api/v1/incidents",
            """{"model":"msg-model","severity":"SEV9","title":"t","description":"d","source":"user-report"}""", "severity", "SEV1, SEV2, SEV3, SEV4"),
        new("a source that does not exist", "POST", "/api/v1/incidents",
            """{"model":"msg-model","severity":"SEV2","title":"t","description":"d","source":"gossip"}""", "source", "user-report", "slo-breach"),
        new("a severity given as a number", "POST", "/api/v1/alerts", """{"rule":"r","model":"msg-model","severity":2,"summary":"s"}""", "severity", "SEV1"),
        new("a number where text belongs", "POST", "/api/v1/alerts", """{"rule":5,"model":"msg-model","severity":"SEV2","summary":"s"}""", "rule", "text"),
        new("an object where text belongs", "POST", "/api/v1/alerts", """{"rule":{"a":1},"model":"msg-model","severity":"SEV2","summary":"s"}""", "rule", "text"),
        new("text where a number belongs", "POST", "/api/v1/evaluation-suites",
            """{"name":"msg-suite","description":"d","metrics":[{"name":"auc","threshold":"high","direction":"higher"}]}""", "metrics[0].threshold", "number"),
        new("an unknown field", "POST", "/api/v1/alerts", """{"rule":"r","model":"msg-model","severity":"SEV2","summary":"s","priority":1}""",
            "priority", "not a field", "rule, model, severity, dedupKey, summary"),
        new("an unknown field deep in the body", "POST", "/api/v1/evaluation-suites",
            """{"name":"msg-suite","description":"d","metrics":[{"name":"auc","threshold":0.8,"direction":"higher","weight":2}]}""",
            "metrics[0].weight", "not a field", "threshold"),
        new("a duplicated field", "POST", "/api/v1/alerts", """{"rule":"r","rule":"x","model":"msg-model","severity":"SEV2","summary":"s"}""", "rule", "more than once"),
        new("a whole number too large", "PUT", "/api/v1/models/msg-model/policy", """{"stages":{"production":{"requiredApprovals":1e12}}}""",
            "stages[production].requiredApprovals", "whole number"),
        new("a boolean as text", "PUT", "/api/v1/models/msg-model/policy", """{"stages":{"production":{"autoDeploy":"yes"}}}""",
            "stages[production].autoDeploy", "true or false"),
        new("a list where an object belongs", "POST", "/api/v1/alerts", "[]", "body", "JSON object", "rule"),
        new("json null as the body", "POST", "/api/v1/alerts", "null", "body", "JSON object", "rule"),
        new("an object where a list belongs", "POST", "/api/v1/slos/nope/measurements", "{}", "body", "list"),
        new("truncated json", "POST", "/api/v1/alerts", """{"rule":"r",""", "body", "not valid JSON", "line 1"),
        new("a trailing comma", "POST", "/api/v1/alerts", """{"rule":"r",}""", "body", "not valid JSON"),
        new("an empty body on an action that needs fields", "POST", "/api/v1/promotions/nope/withdrawal", null, "reason"),
        new("a limit that is not a number", "GET", "/api/v1/promotions?limit=abc", null, "limit", "whole number"),
        new("a limit beyond a 32-bit number", "GET", "/api/v1/evaluations?limit=99999999999999999999", null, "limit", "whole number"),
        new("a limit given twice", "GET", "/api/v1/promotions?limit=1&limit=2", null, "limit", "more than once"),
        new("awaitingMe=yes", "GET", "/api/v1/promotions?awaitingMe=yes", null, "awaitingMe", "true or false"),
        new("a depth that is not a number", "GET", "/api/v1/lineage?node=model:msg-model@1.0.0&depth=x", null, "depth", "whole number"),
        new("a revision that is not a number", "GET", "/api/v1/models/msg-model/policy?revision=latest", null, "revision", "whole number"),
        new("an order that does not exist", "GET", "/api/v1/audit/events?order=sideways", null, "order", "asc, desc"),
        new("a NUL in a query value", "GET", "/api/v1/incidents?team=a%00b", null, "team", "NUL"),
        new("a NUL in a body string", "POST", "/api/v1/alerts", """{"rule":"r","model":"msg-model","severity":"SEV2","summary":"a\u0000b"}""", "summary", "NUL"),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task a_body_or_query_that_cannot_be_read_is_a_400_keyed_by_the_field_in_words_a_person_reads(Bad bad)
    {
        await app.RegisterModelIfMissingAsync("msg-model");
        var before = await app.EventCountAsync();
        var result = await app.Scenario(s =>
        {
            s.WithMethod(new HttpMethod(bad.Method)).ToUrl(bad.Url);
            if (bad.Body is not null)
            {
                s.Text(bad.Body, "application/json");
            }

            s.StatusCodeShouldBe(400);
            s.ShouldBeProblem();
        });

        var errors = result.Json.GetProperty("errors");
        errors.TryGetProperty(bad.Field, out var messages).ShouldBeTrue($"no error keyed '{bad.Field}' in {result.Body}");
        var sentence = messages[0].GetString()!;
        foreach (var words in bad.Says)
        {
            sentence.ShouldContain(words, Case.Sensitive);
        }

        foreach (var leak in Leaks)
        {
            ProblemText.WithoutTraceId(result.Body).ShouldNotContain(leak, Case.Sensitive);
        }

        (await app.EventCountAsync()).ShouldBe(before);
    }

    public static TheoryData<string, string?> EmptyBodies() => new()
    {
        { "no body and no content type", null },
        { "an empty JSON body", "application/json" },
        { "an empty body of another type", "text/plain" },
    };

    [Theory]
    [MemberData(nameof(EmptyBodies))]
    public async Task an_action_whose_fields_are_all_optional_needs_no_body(string name, string? contentType)
    {
        _ = name;
        await app.RegisterModelIfMissingAsync("msg-model");
        var incident = await app.OpenIncidentAsync("msg-model");
        await app.Scenario(s =>
        {
            s.Post.ToUrl($"/api/v1/incidents/{incident}/acknowledgement");
            if (contentType is not null)
            {
                s.Text("", contentType);
            }

            s.StatusCodeShouldBe(200);
        });
        await app.Scenario(s =>
        {
            s.Post.ToUrl($"/api/v1/incidents/{incident}/resolution");
            if (contentType is not null)
            {
                s.Text("", contentType);
            }

            s.StatusCodeShouldBe(200);
        });
        var view = await app.Scenario(s => s.Get.Url($"/api/v1/incidents/{incident}").StatusCodeShouldBe(200));
        view.Json.GetProperty("status").GetString().ShouldBe("resolved");
    }

    [Fact]
    public async Task an_empty_body_on_an_action_that_needs_fields_names_each_missing_field()
    {
        var result = await app.Scenario(s => s.Post.ToUrl("/api/v1/alerts").StatusCodeShouldBe(400).ShouldBeProblem());
        var errors = result.Json.GetProperty("errors");
        foreach (var field in new[] { "rule", "model", "severity", "summary" })
        {
            errors.TryGetProperty(field, out _).ShouldBeTrue($"'{field}' is not named in {result.Body}");
        }
    }
}

/// <summary>Set-up that several tests in one class share.</summary>
public static class ConventionScenarios
{
    public static async Task RegisterModelIfMissingAsync(this GovernanceApp app, string key)
    {
        using var client = app.Client();
        using var found = await client.GetAsync($"/api/v1/models/{key}");
        if (found.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            await app.RegisterModelAsync(key);
        }
    }
}
