using Governance.Api.Tests.Harness;
using Governance.Api.Tests.Operations;
using Governance.Api.Tests.Registry;

namespace Governance.Api.Tests.Evaluations;

/// <summary>POST/PUT/GET /evaluation-suites: defined once, revised as new revisions, every revision readable.</summary>
public sealed class SuiteTests(GovernanceApp app) : IClassFixture<GovernanceApp>
{
    private static object Body(string name, double aucThreshold = 0.9) => new
    {
        name,
        description = "Fraud model standard",
        metrics = new object[]
        {
            new { name = "auc", threshold = aucThreshold, direction = "higher", maxRegression = 0.01 },
            new { name = "latency-ms", threshold = 50, direction = "lower" },
        },
        slices = new[] { new { name = "new-users", metric = "auc", threshold = 0.8 } },
    };

    private Task<IScenarioResult> DefineAsync(string name) => app.Scenario(s =>
    {
        s.Post.Json(Body(name)).ToUrl("/api/v1/evaluation-suites");
        s.StatusCodeShouldBe(201);
    });

    [Fact]
    public async Task defining_a_suite_returns_its_name_and_revision_1_and_it_can_be_read_back()
    {
        var defined = await app.Scenario(s =>
        {
            s.Post.Json(Body("fraud-core")).ToUrl("/api/v1/evaluation-suites");
            s.StatusCodeShouldBe(201);
            s.HeaderShouldBe("Location", "/api/v1/evaluation-suites/fraud-core");
            s.HeaderShouldBe("ETag", "\"1\"");
        });
        defined.Json.GetProperty("name").GetString().ShouldBe("fraud-core");
        defined.Json.GetProperty("revision").GetInt32().ShouldBe(1);

        var suite = await app.Scenario(s => s.Get.Url("/api/v1/evaluation-suites/fraud-core").StatusCodeShouldBe(200));
        suite.Json.GetProperty("revision").GetInt32().ShouldBe(1);
        suite.Json.GetProperty("latestRevision").GetInt32().ShouldBe(1);
        suite.Json.GetProperty("description").GetString().ShouldBe("Fraud model standard");
        var auc = suite.Json.GetProperty("metrics")[0];
        auc.GetProperty("name").GetString().ShouldBe("auc");
        auc.GetProperty("direction").GetString().ShouldBe("higher");
        auc.GetProperty("maxRegression").GetDouble().ShouldBe(0.01);
        suite.Json.GetProperty("metrics")[1].TryGetProperty("maxRegression", out _).ShouldBeFalse();
        suite.Json.GetProperty("slices")[0].GetProperty("metric").GetString().ShouldBe("auc");
        suite.Json.GetProperty("changedBy").GetString().ShouldBe("admin");
    }

    [Fact]
    public async Task defining_a_suite_that_exists_is_409()
    {
        await DefineAsync("dup-suite");
        var before = await app.EventCountAsync();
        await app.Scenario(s =>
        {
            s.Post.Json(Body("dup-suite")).ToUrl("/api/v1/evaluation-suites");
            s.StatusCodeShouldBe(409);
            s.ShouldBeProblem();
        });
        (await app.EventCountAsync()).ShouldBe(before);
    }

    public static TheoryData<string, string> InvalidBodies => new()
    {
        { "name", """{"name":"Bad Name","metrics":[{"name":"auc","threshold":0.9,"direction":"higher"}]}""" },
        { "name", """{"metrics":[{"name":"auc","threshold":0.9,"direction":"higher"}]}""" },
        { "metrics", """{"name":"no-metrics","metrics":[]}""" },
        { "metrics", """{"name":"no-metrics"}""" },
        { "metrics", """{"name":"twice","metrics":[{"name":"auc","threshold":0.9,"direction":"higher"},{"name":"auc","threshold":0.8,"direction":"higher"}]}""" },
        { "metrics[0].name", """{"name":"bad-metric","metrics":[{"name":"a:b","threshold":0.9,"direction":"higher"}]}""" },
        { "metrics[0].threshold", """{"name":"no-threshold","metrics":[{"name":"auc","direction":"higher"}]}""" },
        { "metrics[0].direction", """{"name":"bad-direction","metrics":[{"name":"auc","threshold":0.9,"direction":"up"}]}""" },
        { "metrics[0].maxRegression", """{"name":"bad-regression","metrics":[{"name":"auc","threshold":0.9,"direction":"higher","maxRegression":-0.1}]}""" },
        { "slices[0].metric", """{"name":"bad-slice","metrics":[{"name":"auc","threshold":0.9,"direction":"higher"}],"slices":[{"name":"eu","metric":"recall","threshold":0.5}]}""" },
        { "slices[0].threshold", """{"name":"bad-slice","metrics":[{"name":"auc","threshold":0.9,"direction":"higher"}],"slices":[{"name":"eu","metric":"auc"}]}""" },
        { "slices[0].name", """{"name":"bad-slice","metrics":[{"name":"auc","threshold":0.9,"direction":"higher"}],"slices":[{"name":"","metric":"auc","threshold":0.5}]}""" },
        { "description", $$"""{"name":"long","description":"{{new string('x', 2001)}}","metrics":[{"name":"auc","threshold":0.9,"direction":"higher"}]}""" },
    };

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task an_invalid_suite_is_400_naming_the_field(string field, string body)
    {
        var result = await app.Scenario(s =>
        {
            s.Post.Text(body, "application/json").ToUrl("/api/v1/evaluation-suites");
            s.StatusCodeShouldBe(400);
            s.ShouldBeProblem();
        });
        result.Json.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(result.Body);
    }

    [Fact]
    public async Task a_viewer_can_read_suites_but_not_define_or_revise_them()
    {
        await DefineAsync("viewer-suite");
        var viewer = await app.CreatePrincipalAsync("suite-viewer", "viewer");
        await app.Scenario(s => s.Post.Json(Body("viewer-suite-2")).ToUrl("/api/v1/evaluation-suites").As(viewer).StatusCodeShouldBe(403).ShouldBeProblem());
        await app.Scenario(s => s.Put.Json(Body("viewer-suite")).ToUrl("/api/v1/evaluation-suites/viewer-suite").As(viewer).StatusCodeShouldBe(403));
        await app.Scenario(s => s.Get.Url("/api/v1/evaluation-suites/viewer-suite").As(viewer).StatusCodeShouldBe(200));
        await app.Scenario(s => s.Get.Url("/api/v1/evaluation-suites").As(viewer).StatusCodeShouldBe(200));
        await app.Scenario(s => s.Get.Url("/api/v1/evaluation-suites").Anonymous().StatusCodeShouldBe(401));
    }

    [Fact]
    public async Task a_contributor_defines_suites()
    {
        var contributor = await app.CreatePrincipalAsync("suite-author", "contributor");
        await app.Scenario(s => s.Post.Json(Body("contributed")).ToUrl("/api/v1/evaluation-suites").As(contributor).StatusCodeShouldBe(201));
    }

    [Fact]
    public async Task revising_a_suite_makes_a_new_revision_and_the_old_one_stays_readable()
    {
        await DefineAsync("revised-suite");
        var revised = await app.Scenario(s =>
        {
            s.Put.Json(Body("revised-suite", aucThreshold: 0.93)).ToUrl("/api/v1/evaluation-suites/revised-suite");
            s.StatusCodeShouldBe(200);
            s.HeaderShouldBe("ETag", "\"2\"");
        });
        revised.Json.GetProperty("revision").GetInt32().ShouldBe(2);

        var current = await app.Scenario(s => s.Get.Url("/api/v1/evaluation-suites/revised-suite").StatusCodeShouldBe(200));
        current.Json.GetProperty("revision").GetInt32().ShouldBe(2);
        current.Json.GetProperty("change").GetString().ShouldBe("revised");
        current.Json.GetProperty("metrics")[0].GetProperty("threshold").GetDouble().ShouldBe(0.93);

        var first = await app.Scenario(s => s.Get.Url("/api/v1/evaluation-suites/revised-suite?revision=1").StatusCodeShouldBe(200));
        first.Json.GetProperty("revision").GetInt32().ShouldBe(1);
        first.Json.GetProperty("latestRevision").GetInt32().ShouldBe(2);
        first.Json.GetProperty("metrics")[0].GetProperty("threshold").GetDouble().ShouldBe(0.9);
    }

    [Fact]
    public async Task revising_with_the_same_definition_keeps_the_revision_and_writes_nothing()
    {
        await DefineAsync("same-suite");
        var before = await app.EventCountAsync();
        var result = await app.Scenario(s => s.Put.Json(Body("same-suite")).ToUrl("/api/v1/evaluation-suites/same-suite").StatusCodeShouldBe(200));
        result.Json.GetProperty("revision").GetInt32().ShouldBe(1);
        (await app.EventCountAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task the_body_of_a_revision_may_leave_out_the_name()
    {
        await DefineAsync("nameless-put");
        await app.Scenario(s =>
        {
            s.Put.Text("""{"description":"x","metrics":[{"name":"auc","threshold":0.5,"direction":"higher"}]}""", "application/json").ToUrl("/api/v1/evaluation-suites/nameless-put");
            s.StatusCodeShouldBe(200);
        });
    }

    [Fact]
    public async Task revising_an_unknown_suite_is_404()
    {
        await app.Scenario(s =>
        {
            s.Put.Json(Body("ghost-suite")).ToUrl("/api/v1/evaluation-suites/ghost-suite");
            s.StatusCodeShouldBe(404);
            s.ShouldBeProblem();
        });
    }

    [Fact]
    public async Task a_revision_naming_another_suite_or_breaking_the_rules_is_400()
    {
        await DefineAsync("put-checks");
        var mismatch = await app.Scenario(s => s.Put.Json(Body("other-name")).ToUrl("/api/v1/evaluation-suites/put-checks").StatusCodeShouldBe(400));
        mismatch.Json.GetProperty("errors").TryGetProperty("name", out _).ShouldBeTrue();
        var invalid = await app.Scenario(s =>
            s.Put.Text("""{"metrics":[{"name":"auc","threshold":0.9,"direction":"sideways"}]}""", "application/json").ToUrl("/api/v1/evaluation-suites/put-checks").StatusCodeShouldBe(400));
        invalid.Json.GetProperty("errors").TryGetProperty("metrics[0].direction", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task reading_an_unknown_suite_or_revision_is_404_and_a_bad_revision_is_400()
    {
        await DefineAsync("read-checks");
        await app.Scenario(s => s.Get.Url("/api/v1/evaluation-suites/never-defined").StatusCodeShouldBe(404).ShouldBeProblem());
        await app.Scenario(s => s.Get.Url("/api/v1/evaluation-suites/read-checks?revision=7").StatusCodeShouldBe(404).ShouldBeProblem());
        await app.Scenario(s => s.Get.Url("/api/v1/evaluation-suites/read-checks?revision=0").StatusCodeShouldBe(400).ShouldBeProblem());
        await app.Scenario(s => s.Get.Url("/api/v1/evaluation-suites/read-checks?revision=abc").StatusCodeShouldBe(400));
    }

    [Fact]
    public async Task the_list_shows_each_suite_once_at_its_current_revision()
    {
        await DefineAsync("list-a");
        await DefineAsync("list-b");
        await app.Scenario(s => s.Put.Json(Body("list-b", aucThreshold: 0.95)).ToUrl("/api/v1/evaluation-suites/list-b").StatusCodeShouldBe(200));

        var list = await app.Scenario(s => s.Get.Url("/api/v1/evaluation-suites").StatusCodeShouldBe(200));
        var suites = list.Json.EnumerateArray().ToDictionary(e => e.GetProperty("name").GetString()!, e => e.GetProperty("revision").GetInt32());
        suites["list-a"].ShouldBe(1);
        suites["list-b"].ShouldBe(2);
        list.Json.EnumerateArray().Select(e => e.GetProperty("name").GetString()).ShouldBe(suites.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task the_suite_stream_holds_who_defined_and_revised_it()
    {
        await DefineAsync("stream-suite");
        await app.Scenario(s => s.Put.Json(Body("stream-suite", aucThreshold: 0.91)).ToUrl("/api/v1/evaluation-suites/stream-suite").StatusCodeShouldBe(200));
        var stream = await app.Scenario(s => s.Get.Url("/api/v1/streams/suite-stream-suite/events").StatusCodeShouldBe(200));
        var events = stream.Json.GetProperty("events");
        events[0].GetProperty("type").GetString().ShouldBe("suite_defined");
        events[0].GetProperty("streamType").GetString().ShouldBe("suite");
        events[0].GetProperty("data").GetProperty("definedBy").GetString().ShouldBe("admin");
        events[0].GetProperty("data").GetProperty("definedAt").GetString().ShouldNotBeNull();
        events[1].GetProperty("type").GetString().ShouldBe("suite_revised");
        events[1].GetProperty("data").GetProperty("revision").GetInt32().ShouldBe(2);
    }

    [Fact]
    public async Task another_slice_can_add_a_slice_as_a_new_revision_and_it_is_listed_with_its_incident()
    {
        // The slice that adds a slice is a postmortem: the incident it cites is the reason the slice exists.
        await DefineAsync("postmortem-suite");
        await app.RegisterModelAsync("postmortem-suite-model", team: "postmortem-suite-team");
        var olga = await app.CreatePrincipalAsync("oncall-olga", "oncall");
        var incident = await ResolvedIncidentAsync();

        var outcome = await PostmortemAddingSliceAsync(incident, olga);

        outcome.Json.GetProperty("suiteRevision").GetInt32().ShouldBe(2);
        var suite = await app.Scenario(s => s.Get.Url("/api/v1/evaluation-suites/postmortem-suite").StatusCodeShouldBe(200));
        suite.Header("ETag").ShouldBe("\"2\"");
        suite.Json.GetProperty("revision").GetInt32().ShouldBe(2);
        suite.Json.GetProperty("change").GetString().ShouldBe("slice_added");
        suite.Json.GetProperty("incidentId").GetString().ShouldBe(incident);
        suite.Json.GetProperty("changedBy").GetString().ShouldBe("oncall-olga");
        suite.Json.GetProperty("description").GetString().ShouldBe("Fraud model standard");
        suite.Json.GetProperty("metrics").GetArrayLength().ShouldBe(2);
        suite.Json.GetProperty("slices").EnumerateArray().Select(x => x.GetProperty("name").GetString()).ShouldBe(["new-users", "eu-cards"]);
        var stream = await app.Scenario(s => s.Get.Url("/api/v1/streams/suite-postmortem-suite/events").StatusCodeShouldBe(200));
        stream.Json.GetProperty("events")[1].GetProperty("type").GetString().ShouldBe("suite_slice_added");

        // The same slice again (from another incident's postmortem) is already there: nothing is added.
        var again = await PostmortemAddingSliceAsync(await ResolvedIncidentAsync(), olga);
        again.Json.GetProperty("suiteRevision").GetInt32().ShouldBe(2);
        (await app.Scenario(s => s.Get.Url("/api/v1/evaluation-suites/postmortem-suite").StatusCodeShouldBe(200))).Header("ETag").ShouldBe("\"2\"");
    }

    private async Task<string> ResolvedIncidentAsync()
    {
        var id = await app.OpenIncidentAsync("postmortem-suite-model");
        await app.Scenario(s => s.Post.Json(new { }).ToUrl($"/api/v1/incidents/{id}/resolution").StatusCodeShouldBe(200));
        return id;
    }

    private Task<IScenarioResult> PostmortemAddingSliceAsync(string incident, string key) => app.Scenario(s => s.Post.Json(new
    {
        summary = "EU card payments timed out", impact = "i", rootCause = "r", trigger = "t", actionItems = Array.Empty<object>(), lessons = "l",
        addSlice = new { suite = "postmortem-suite", name = "eu-cards", metric = "latency-ms", threshold = 70 },
    }).ToUrl($"/api/v1/incidents/{incident}/postmortem").As(key).StatusCodeShouldBe(200));
}
