using System.Net.Http.Json;
using System.Text.Json;
using Governance.Api.Tests.Harness;
using Governance.Api.Tests.Registry;

namespace Governance.Api.Tests.Evaluations;

/// <summary>POST/GET /evaluations: recorded against registered things, judged at once, readable and linked into lineage.</summary>
public sealed class EvaluationTests(GovernanceApp app) : IClassFixture<GovernanceApp>, IAsyncLifetime
{
    // offline, shadow, canary, production: the default stages
    private const string Model = "fraud";
    private const string Suite = "fraud-core";
    private const string RegressionSuite = "fraud-regression";

    public async Task InitializeAsync()
    {
        if (await ExistsAsync("/api/v1/models/fraud"))
        {
            return;
        }

        await app.RegisterModelAsync(Model);
        await app.RegisterDatasetAsync("transactions", "2026-10");
        await app.RegisterDatasetAsync("transactions", "2026-11");
        foreach (var version in new[] { "1.0.0", "1.1.0", "1.2.0", "2.0.0", "2.1.0", "3.0.0" })
        {
            await app.RegisterVersionAsync(Model, version, ["transactions@2026-10"]);
        }

        await DefineSuiteAsync(Suite);
        await DefineSuiteAsync(RegressionSuite);
    }

    private Task<IScenarioResult> DefineSuiteAsync(string name) => app.Scenario(s =>
    {
        s.Post.Json(new
        {
            name,
            description = "Fraud standard",
            metrics = new object[]
            {
                new { name = "auc", threshold = 0.90, direction = "higher", maxRegression = 0.01 },
                new { name = "latency-ms", threshold = 50, direction = "lower" },
            },
            slices = new[] { new { name = "new-users", metric = "auc", threshold = 0.80 } },
        }).ToUrl("/api/v1/evaluation-suites");
        s.StatusCodeShouldBe(201);
    });

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<bool> ExistsAsync(string url)
    {
        using var client = app.Client();
        using var response = await client.GetAsync(url);
        return response.IsSuccessStatusCode;
    }

    private static Dictionary<string, object?> Body(
        string version = "1.1.0", double auc = 0.93, double latency = 40, double newUsersAuc = 0.85, string stage = "offline",
        string suite = Suite, int? suiteRevision = null, string[]? datasets = null, string model = Model) => new()
    {
        ["model"] = model,
        ["version"] = version,
        ["suite"] = suite,
        ["suiteRevision"] = suiteRevision,
        ["stage"] = stage,
        ["datasets"] = datasets ?? ["transactions@2026-11"],
        ["metrics"] = new Dictionary<string, double> { ["auc"] = auc, ["latency-ms"] = latency },
        ["slices"] = new Dictionary<string, object> { ["new-users"] = new Dictionary<string, double> { ["auc"] = newUsersAuc } },
        ["productMetrics"] = new Dictionary<string, double> { ["approval-rate"] = 0.71 },
    };

    private Task<IScenarioResult> RecordAsync(Dictionary<string, object?> body, int status = 201, string? key = null) => app.Scenario(s =>
    {
        s.Post.Json(body).ToUrl("/api/v1/evaluations");
        if (key is not null)
        {
            s.As(key);
        }

        s.StatusCodeShouldBe(status);
    });

    private static Dictionary<string, (bool Passed, string Detail)> Checks(IScenarioResult result) =>
        result.Json.GetProperty("checks").EnumerateArray()
            .ToDictionary(c => c.GetProperty("name").GetString()!, c => (c.GetProperty("passed").GetBoolean(), c.GetProperty("detail").GetString()!));

    [Fact]
    public async Task recording_an_evaluation_returns_its_id_and_verdict_and_it_can_be_read_back()
    {
        var recorded = await app.Scenario(s =>
        {
            s.Post.Json(Body()).ToUrl("/api/v1/evaluations");
            s.StatusCodeShouldBe(201);
            s.HeaderShouldBe("ETag", "\"1\"");
        });
        var id = recorded.Json.GetProperty("id").GetString()!;
        recorded.Header("Location").ShouldBe($"/api/v1/evaluations/{id}");
        recorded.Json.GetProperty("passed").GetBoolean().ShouldBeTrue();
        Checks(recorded).Keys.ShouldBe(["metric:auc", "metric:latency-ms", "slice:new-users:auc", "regression:auc"]);
        Checks(recorded)["regression:auc"].Detail.ShouldContain("No production baseline");

        var read = await app.Scenario(s => s.Get.Url($"/api/v1/evaluations/{id}").StatusCodeShouldBe(200));
        read.Json.GetProperty("model").GetString().ShouldBe(Model);
        read.Json.GetProperty("version").GetString().ShouldBe("1.1.0");
        read.Json.GetProperty("suite").GetString().ShouldBe(Suite);
        read.Json.GetProperty("suiteRevision").GetInt32().ShouldBe(1);
        read.Json.GetProperty("stage").GetString().ShouldBe("offline");
        read.Json.GetProperty("passed").GetBoolean().ShouldBeTrue();
        read.Json.GetProperty("metrics").GetProperty("latency-ms").GetDouble().ShouldBe(40);
        read.Json.GetProperty("slices").GetProperty("new-users").GetProperty("auc").GetDouble().ShouldBe(0.85);
        read.Json.GetProperty("productMetrics").GetProperty("approval-rate").GetDouble().ShouldBe(0.71);
        read.Json.GetProperty("datasets").EnumerateArray().Select(d => d.GetString()).ShouldBe(["transactions@2026-11"]);
        read.Json.GetProperty("checks").GetArrayLength().ShouldBe(4);
        read.Json.GetProperty("recordedBy").GetString().ShouldBe("admin");
        read.Json.GetProperty("recordedAt").GetString().ShouldBe("2026-11-23T09:00:00Z");
    }

    [Fact]
    public async Task concurrent_evaluations_are_each_recorded_once_with_their_own_verdict()
    {
        // Under load evaluations share transactions (group commit); each must still come back with its own verdict.
        await app.RegisterVersionAsync(Model, "4.0.0", ["transactions@2026-10"]);
        var before = await app.EventCountAsync();
        var bodies = Enumerable.Range(0, 48).Select(i =>
        {
            var body = Body(version: "4.0.0", auc: i % 2 == 0 ? 0.95 : 0.85, datasets: ["transactions@2026-10", "transactions@2026-11"]);
            body["productMetrics"] = new Dictionary<string, double> { ["tag"] = i };
            return body;
        }).ToList();

        var responses = await Task.WhenAll(bodies.Select(async body =>
        {
            using var client = app.Client();
            using var response = await client.PostAsJsonAsync("/api/v1/evaluations", body);
            response.StatusCode.ShouldBe(System.Net.HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        }));

        (await app.EventCountAsync()).ShouldBe(before + 48);
        responses.Select(r => r.GetProperty("id").GetString()).Distinct().Count().ShouldBe(48);
        for (var i = 0; i < responses.Length; i++)
        {
            responses[i].GetProperty("passed").GetBoolean().ShouldBe(i % 2 == 0);
            var stored = await app.Scenario(s => s.Get.Url($"/api/v1/evaluations/{responses[i].GetProperty("id").GetString()}").StatusCodeShouldBe(200));
            stored.Json.GetProperty("productMetrics").GetProperty("tag").GetDouble().ShouldBe(i);
            stored.Json.GetProperty("passed").GetBoolean().ShouldBe(i % 2 == 0);
        }

        // Both dataset versions are drawn into lineage as evaluated_on, once each however many evaluations name them.
        var lineage = await app.Scenario(s => s.Get.Url("/api/v1/lineage?node=model:fraud@4.0.0&direction=upstream&depth=1").StatusCodeShouldBe(200));
        var edges = lineage.Json.GetProperty("edges").EnumerateArray()
            .Where(e => e.GetProperty("kind").GetString() == "evaluated_on")
            .Select(e => e.GetProperty("from").GetString()).ToList();
        edges.ShouldBe(["dataset:transactions@2026-10", "dataset:transactions@2026-11"], ignoreOrder: true);
    }

    [Fact]
    public async Task the_verdict_is_stored_in_the_event()
    {
        var recorded = await RecordAsync(Body(auc: 0.85));
        var id = recorded.Json.GetProperty("id").GetString()!;
        var stream = await app.Scenario(s => s.Get.Url($"/api/v1/streams/evaluation-{id}/events").StatusCodeShouldBe(200));
        var e = stream.Json.GetProperty("events")[0];
        e.GetProperty("type").GetString().ShouldBe("evaluation_recorded");
        e.GetProperty("streamType").GetString().ShouldBe("evaluation");
        var data = e.GetProperty("data");
        data.GetProperty("passed").GetBoolean().ShouldBeFalse();
        data.GetProperty("suiteRevision").GetInt32().ShouldBe(1);
        data.GetProperty("checks")[0].GetProperty("name").GetString().ShouldBe("metric:auc");
        data.GetProperty("checks")[0].GetProperty("passed").GetBoolean().ShouldBeFalse();
        data.GetProperty("recordedBy").GetString().ShouldBe("admin");
    }

    [Fact]
    public async Task a_failing_evaluation_is_still_recorded_with_each_failed_check()
    {
        var recorded = await RecordAsync(Body(version: "1.2.0", auc: 0.89, latency: 51, newUsersAuc: 0.79));
        recorded.Json.GetProperty("passed").GetBoolean().ShouldBeFalse();
        var checks = Checks(recorded);
        checks["metric:auc"].Passed.ShouldBeFalse();
        checks["metric:latency-ms"].Passed.ShouldBeFalse();
        checks["slice:new-users:auc"].Passed.ShouldBeFalse();
    }

    [Fact]
    public async Task a_missing_metric_or_slice_fails_its_check()
    {
        var body = Body(version: "1.2.0");
        body["metrics"] = new Dictionary<string, double> { ["auc"] = 0.95 };
        body["slices"] = null;
        var recorded = await RecordAsync(body);
        recorded.Json.GetProperty("passed").GetBoolean().ShouldBeFalse();
        Checks(recorded)["metric:latency-ms"].ShouldBe((false, "latency-ms is missing."));
        Checks(recorded)["slice:new-users:auc"].Passed.ShouldBeFalse();
    }

    [Fact]
    public async Task regression_is_measured_against_the_latest_evaluation_of_the_production_version_on_the_same_suite_revision()
    {
        // 2.0.0 is in production (the model's last stage) and was evaluated at auc 0.95 on revision 1.
        await RecordAsync(Body(version: "2.0.0", auc: 0.90, stage: "production", suite: RegressionSuite));
        await RecordAsync(Body(version: "2.0.0", auc: 0.95, stage: "production", suite: RegressionSuite));
        await app.ExecuteSqlAsync("""
            INSERT INTO governance.current_deployments (model, stage, version, since)
            VALUES ('fraud', 'production', '2.0.0', '2026-11-20T00:00:00Z')
            """);

        app.Clock.Advance(NodaTime.Duration.FromMinutes(1));
        var within = await RecordAsync(Body(version: "2.1.0", auc: 0.94, suite: RegressionSuite));
        Checks(within)["regression:auc"].Passed.ShouldBeTrue(within.Body);
        Checks(within)["regression:auc"].Detail.ShouldContain("2.0.0");
        var beyond = await RecordAsync(Body(version: "2.1.0", auc: 0.93, suite: RegressionSuite));
        Checks(beyond)["regression:auc"].Passed.ShouldBeFalse(beyond.Body);
        beyond.Json.GetProperty("passed").GetBoolean().ShouldBeFalse();
        var stored = await app.Scenario(s => s.Get.Url($"/api/v1/evaluations/{beyond.Json.GetProperty("id").GetString()}").StatusCodeShouldBe(200));
        stored.Json.GetProperty("baselineVersion").GetString().ShouldBe("2.0.0");

        // A new revision has no production evaluation yet, so nothing to regress against.
        await app.Scenario(s =>
        {
            s.Put.Json(new
            {
                description = "Fraud standard, stricter latency",
                metrics = new object[]
                {
                    new { name = "auc", threshold = 0.90, direction = "higher", maxRegression = 0.01 },
                    new { name = "latency-ms", threshold = 45, direction = "lower" },
                },
                slices = new[] { new { name = "new-users", metric = "auc", threshold = 0.80 } },
            }).ToUrl($"/api/v1/evaluation-suites/{RegressionSuite}");
            s.StatusCodeShouldBe(200);
        });
        var onRevision2 = await RecordAsync(Body(version: "2.1.0", auc: 0.93, suite: RegressionSuite));
        Checks(onRevision2)["regression:auc"].ShouldBe((true, "No production baseline on this suite revision; nothing to regress against."));

        // Naming revision 1 compares with production on revision 1 again.
        var onRevision1 = await RecordAsync(Body(version: "2.1.0", auc: 0.93, suite: RegressionSuite, suiteRevision: 1));
        Checks(onRevision1)["regression:auc"].Passed.ShouldBeFalse();
        (await app.Scenario(s => s.Get.Url($"/api/v1/evaluations/{onRevision1.Json.GetProperty("id").GetString()}").StatusCodeShouldBe(200)))
            .Json.GetProperty("suiteRevision").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task evaluations_can_be_listed_by_model_version_and_suite_newest_first()
    {
        await RecordAsync(Body(version: "3.0.0", auc: 0.91));
        app.Clock.Advance(NodaTime.Duration.FromSeconds(1));
        var newest = await RecordAsync(Body(version: "3.0.0", auc: 0.92));

        var list = await app.Scenario(s => s.Get.Url($"/api/v1/evaluations?model={Model}&version=3.0.0&suite={Suite}").StatusCodeShouldBe(200));
        var items = list.Json.EnumerateArray().ToList();
        items.Count.ShouldBe(2);
        items[0].GetProperty("id").GetString().ShouldBe(newest.Json.GetProperty("id").GetString());
        items.ShouldAllBe(e => e.GetProperty("version").GetString() == "3.0.0");

        var none = await app.Scenario(s => s.Get.Url("/api/v1/evaluations?model=nobody").StatusCodeShouldBe(200));
        none.Json.GetArrayLength().ShouldBe(0);
        await app.Scenario(s => s.Get.Url("/api/v1/evaluations?limit=0").StatusCodeShouldBe(400).ShouldBeProblem());
    }

    [Fact]
    public async Task each_dataset_version_evaluated_on_is_linked_to_the_model_version_in_lineage()
    {
        await RecordAsync(Body(version: "1.0.0", datasets: ["transactions@2026-10", "transactions@2026-11"]));

        var version = await app.Scenario(s => s.Get.Url($"/api/v1/models/{Model}/versions/1.0.0").StatusCodeShouldBe(200));
        version.Json.GetProperty("lineage").GetProperty("evaluatedOn").EnumerateArray().Select(d => d.GetString())
            .ShouldBe(["transactions@2026-10", "transactions@2026-11"]);

        var lineage = await app.Scenario(s => s.Get.Url("/api/v1/lineage?node=dataset:transactions@2026-11&direction=downstream&depth=1").StatusCodeShouldBe(200));
        lineage.Json.GetProperty("edges").EnumerateArray()
            .ShouldContain(e => e.GetProperty("to").GetString() == "model:fraud@1.0.0" && e.GetProperty("kind").GetString() == "evaluated_on");
    }

    public static TheoryData<string, string, object?> InvalidFields => new()
    {
        { "model", "model", "Not A Key" },
        { "model", "model", null },
        { "version", "version", "1.0.0 beta" },
        { "suite", "suite", "Fraud_Core" },
        { "suiteRevision", "suiteRevision", 0 },
        { "stage", "stage", "" },
        { "datasets", "datasets", Array.Empty<string>() },
        { "datasets", "datasets", null },
        { "datasets[0]", "datasets", new[] { "transactions" } },
        { "datasets", "datasets", new[] { "transactions@2026-11", "transactions@2026-11" } },
        { "metrics", "metrics", null },
        { "metrics[a:b]", "metrics", new Dictionary<string, double> { ["a:b"] = 1 } },
        { "slices[new users]", "slices", new Dictionary<string, object> { ["new users"] = new Dictionary<string, double> { ["auc"] = 1 } } },
        { "slices[eu]", "slices", new Dictionary<string, object?> { ["eu"] = null } },
        { "productMetrics[]", "productMetrics", new Dictionary<string, double> { [""] = 1 } },
    };

    [Theory]
    [MemberData(nameof(InvalidFields))]
    public async Task an_invalid_field_is_400_naming_it(string error, string field, object? value)
    {
        var body = Body();
        body[field] = value;
        var before = await app.EventCountAsync();
        var result = await app.Scenario(s =>
        {
            s.Post.Json(body).ToUrl("/api/v1/evaluations");
            s.StatusCodeShouldBe(400);
            s.ShouldBeProblem();
        });
        result.Json.GetProperty("errors").TryGetProperty(error, out _).ShouldBeTrue(result.Body);
        (await app.EventCountAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task an_unknown_field_or_a_number_as_text_is_400()
    {
        await app.Scenario(s => s.Post.Text("""{"model":"fraud","verison":"1.0.0"}""", "application/json").ToUrl("/api/v1/evaluations").StatusCodeShouldBe(400));
        var body = Body();
        body["metrics"] = new Dictionary<string, string> { ["auc"] = "0.9" };
        await app.Scenario(s => s.Post.Json(body).ToUrl("/api/v1/evaluations").StatusCodeShouldBe(400));
    }

    public static TheoryData<string, string, object?> UnknownReferences => new()
    {
        { "model", "model", "ghost-model" },
        { "version", "version", "9.9.9" },
        { "suite", "suite", "ghost-suite" },
        { "suiteRevision", "suiteRevision", 99 },
        { "datasets[1]", "datasets", new[] { "transactions@2026-11", "transactions@1999-01" } },
        { "stage", "stage", "staging" },
    };

    [Theory]
    [MemberData(nameof(UnknownReferences))]
    public async Task an_unknown_reference_is_422_naming_the_field(string error, string field, object? value)
    {
        var body = Body();
        body[field] = value;
        var before = await app.EventCountAsync();
        var result = await app.Scenario(s =>
        {
            s.Post.Json(body).ToUrl("/api/v1/evaluations");
            s.StatusCodeShouldBe(422);
            s.ShouldBeProblem();
        });
        result.Json.GetProperty("errors").EnumerateObject().Select(p => p.Name).ShouldBe([error]);
        (await app.EventCountAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task a_viewer_can_read_evaluations_but_not_record_them()
    {
        var viewer = await app.CreatePrincipalAsync("eval-viewer", "viewer");
        var contributor = await app.CreatePrincipalAsync("eval-pipeline", "contributor");
        await app.Scenario(s => s.Post.Json(Body()).ToUrl("/api/v1/evaluations").As(viewer).StatusCodeShouldBe(403).ShouldBeProblem());
        var recorded = await RecordAsync(Body(), key: contributor);
        var id = recorded.Json.GetProperty("id").GetString();
        var read = await app.Scenario(s => s.Get.Url($"/api/v1/evaluations/{id}").As(viewer).StatusCodeShouldBe(200));
        read.Json.GetProperty("recordedBy").GetString().ShouldBe("eval-pipeline");
        await app.Scenario(s => s.Get.Url($"/api/v1/evaluations?model={Model}").As(viewer).StatusCodeShouldBe(200));
        await app.Scenario(s => s.Post.Json(Body()).ToUrl("/api/v1/evaluations").Anonymous().StatusCodeShouldBe(401));
    }

    [Fact]
    public async Task an_unknown_evaluation_is_404()
    {
        await app.Scenario(s => s.Get.Url("/api/v1/evaluations/0000000000000000").StatusCodeShouldBe(404).ShouldBeProblem());
    }

    [Fact]
    public async Task evaluation_ids_sort_by_when_they_were_recorded()
    {
        var first = (await RecordAsync(Body(version: "1.0.0"))).Json.GetProperty("id").GetString()!;
        app.Clock.Advance(NodaTime.Duration.FromMilliseconds(5));
        var second = (await RecordAsync(Body(version: "1.0.0"))).Json.GetProperty("id").GetString()!;
        string.CompareOrdinal(first, second).ShouldBeLessThan(0);
    }

    [Fact]
    public async Task the_openapi_document_describes_the_evaluation_endpoints()
    {
        var doc = await app.Scenario(s => s.Get.Url("/openapi/v1.json").Anonymous().StatusCodeShouldBe(200));
        var paths = doc.Json.GetProperty("paths");
        foreach (var path in new[] { "/api/v1/evaluation-suites", "/api/v1/evaluation-suites/{name}", "/api/v1/evaluations", "/api/v1/evaluations/{id}" })
        {
            paths.TryGetProperty(path, out _).ShouldBeTrue(path);
        }
    }
}
