using System.Text.Json;
using System.Text.RegularExpressions;
using Governance.Api.Tests.Harness;
using Governance.Api.Tests.Operations;
using Governance.Api.Tests.Promotions;
using Governance.Api.Tests.Registry;

namespace Governance.Api.Tests.Conventions;

/// <summary>
/// Every GET of a resource backed by one event stream answers ETag, the stream's version: the value the writes of that
/// stream accept in If-Match (and put in their own ETag), which changes with every write. Where the body is made from
/// the stream alone, If-None-Match with the current ETag answers 304.
/// </summary>
public sealed partial class ETagTests(ETagTests.Things app) : IClassFixture<ETagTests.Things>
{
    /// <summary>One of each stream-backed thing.</summary>
    public sealed class Things : GovernanceApp, IAsyncLifetime
    {
        public Dictionary<string, string> Ids { get; } = [];

        public string Approver { get; private set; } = "";

        public string PrincipalKey { get; private set; } = "";

        public new async Task InitializeAsync()
        {
            await base.InitializeAsync();
            Approver = await CreatePrincipalAsync("etag-ana", Role.Approver);
            PrincipalKey = await CreatePrincipalAsync("etag-pat", Role.Contributor);
            await this.ModelWithVersionsAsync("etag-model", "1.0.0", "2.0.0");
            await this.RegisterDatasetAsync("etag-data", "1.0.0");
            Ids["experiment"] = await this.StartExperimentAsync("etag-model");
            await Scenario(s => s.Post.Json(new
            {
                name = "etag-suite", description = "d", metrics = new[] { new { name = "auc", threshold = 0.5, direction = "higher" } },
            }).ToUrl("/api/v1/evaluation-suites").StatusCodeShouldBe(201));
            Ids["evaluation"] = (await Scenario(s => s.Post.Json(new
            {
                model = "etag-model", version = "1.0.0", suite = "etag-suite", stage = "offline", datasets = new[] { "etag-data@1.0.0" },
                metrics = new Dictionary<string, double> { ["auc"] = 0.9 },
            }).ToUrl("/api/v1/evaluations").StatusCodeShouldBe(201))).Json.GetProperty("id").GetString()!;
            await this.PromoteAsync("etag-model", "1.0.0", "shadow", Approver);
            await this.PromoteAsync("etag-model", "2.0.0", "shadow", Approver);
            Ids["promotion"] = await this.RequestPendingAsync("etag-model", "2.0.0", "canary");
            await this.DefineRotationAsync("etag-team", ["etag-olga", "etag-oscar"], timeZone: "UTC", handoffTime: "09:00");
            Ids["incident"] = await this.OpenIncidentAsync("etag-model");
            Ids["alert"] = await this.FireAlertAsync("etag-rule", "etag-model");
            Ids["slo"] = (await Scenario(s => s.Post.Json(new { name = "Accuracy", model = "etag-model", stage = "shadow", objective = 0.99, window = "P28D" })
                .ToUrl("/api/v1/slos").StatusCodeShouldBe(201))).Json.GetProperty("id").GetString()!;
            Ids["webhook"] = (await Scenario(s => s.Post.Json(new { url = "https://hooks.example.com/etag", events = new[] { "promotion_approved" } })
                .ToUrl("/api/v1/webhooks").StatusCodeShouldBe(201))).Json.GetProperty("id").GetString()!;
        }
    }

    /// <summary>A GET, its operation in the document, its stream, and a write of that stream (null when the stream takes none).</summary>
    private sealed record Row(string Get, string Operation, string Stream, Func<string, Task<IScenarioResult>>? Write, bool AnswersNotModified, string? Key = null);

    public static TheoryData<string> Resources =>
    [
        "model", "policy", "notes", "model version", "dataset", "dataset version", "experiment", "evaluation", "suite", "promotion", "incident",
        "alert", "slo", "webhook", "on-call rotation", "principal", "me", "stage history", "stream",
    ];

    private Row For(string resource)
    {
        var ids = app.Ids;
        var runs = 0;
        return resource switch
        {
            "model" => new("/api/v1/models/etag-model", "/api/v1/models/{key}", "model-etag-model", Note, false),
            "policy" => new("/api/v1/models/etag-model/policy", "/api/v1/models/{key}/policy", "model-etag-model",
                m => Write(HttpMethod.Put, "/api/v1/models/etag-model/policy", new { stages = new { shadow = new { requiredApprovals = 1 } } }, m), true),
            "notes" => new("/api/v1/models/etag-model/notes", "/api/v1/models/{key}/notes", "model-etag-model", Note, true),
            "model version" => new("/api/v1/models/etag-model/versions/1.0.0", "/api/v1/models/{key}/versions/{version}", "modelversion-etag-model@1.0.0",
                m => Write(HttpMethod.Post, "/api/v1/models/etag-model/versions/1.0.0/guardrails", new { name = "pii-filter", version = "1.0" }, m), false),
            "dataset" => new("/api/v1/datasets/etag-data", "/api/v1/datasets/{name}", "dataset-etag-data",
                m => Write(HttpMethod.Post, "/api/v1/datasets/etag-data/versions", new { version = "2.0.0", uri = "s3://d/2", digest = RegistryScenarios.Digest(77) }, m), true),
            "dataset version" => new("/api/v1/datasets/etag-data/versions/1.0.0", "/api/v1/datasets/{name}/versions/{version}", "dataset-etag-data",
                m => Write(HttpMethod.Post, "/api/v1/datasets/etag-data/versions/1.0.0/flag", new { reason = "Label leak" }, m), true),
            "experiment" => new($"/api/v1/experiments/{ids["experiment"]}", "/api/v1/experiments/{id}", $"experiment-{ids["experiment"]}",
                m => Write(HttpMethod.Post, $"/api/v1/experiments/{ids["experiment"]}/runs",
                    new { runId = $"run-{++runs}", codeCommit = "a1b2c3d", configHash = "c", startedAt = "2026-11-23T08:00:00Z", finishedAt = "2026-11-23T08:30:00Z" }, m), true),
            "evaluation" => new($"/api/v1/evaluations/{ids["evaluation"]}", "/api/v1/evaluations/{id}", $"evaluation-{ids["evaluation"]}", null, true),
            "suite" => new("/api/v1/evaluation-suites/etag-suite", "/api/v1/evaluation-suites/{name}", "suite-etag-suite",
                m => Write(HttpMethod.Put, "/api/v1/evaluation-suites/etag-suite",
                    new { name = "etag-suite", description = "revised", metrics = new[] { new { name = "auc", threshold = 0.6, direction = "higher" } } }, m), true),
            "promotion" => new($"/api/v1/promotions/{ids["promotion"]}", "/api/v1/promotions/{id}", $"promotion-{ids["promotion"]}",
                m => Write(HttpMethod.Post, $"/api/v1/promotions/{ids["promotion"]}/approvals", new { comment = "ok" }, m, app.Approver), true),
            "incident" => new($"/api/v1/incidents/{ids["incident"]}", "/api/v1/incidents/{id}", $"incident-{ids["incident"]}",
                m => Write(HttpMethod.Post, $"/api/v1/incidents/{ids["incident"]}/acknowledgement", new { note = "on it" }, m), true),
            "alert" => new($"/api/v1/alerts/{ids["alert"]}", "/api/v1/alerts/{id}", $"alert-{ids["alert"]}",
                m => Write(HttpMethod.Post, $"/api/v1/alerts/{ids["alert"]}/acknowledgement", new { actionable = true }, m), true),
            "webhook" => new($"/api/v1/webhooks/{ids["webhook"]}", "/api/v1/webhooks/{id}", $"webhook-{ids["webhook"]}",
                m => Write(HttpMethod.Post, $"/api/v1/webhooks/{ids["webhook"]}/secret", new { }, m), true),
            "slo" => new($"/api/v1/slos/{ids["slo"]}", "/api/v1/slos/{id}", $"slo-{ids["slo"]}",
                m => Write(HttpMethod.Put, $"/api/v1/slos/{ids["slo"]}", new { name = "Accuracy", objective = 0.98, window = "P28D" }, m), false),
            "on-call rotation" => new("/api/v1/teams/etag-team/oncall", "/api/v1/teams/{team}/oncall", "rotation-etag-team",
                m => Write(HttpMethod.Post, "/api/v1/teams/etag-team/overrides", new { member = "etag-oscar", from = "2026-11-25T00:00:00Z", to = "2026-11-25T12:00:00Z" }, m),
                false),
            "principal" => new("/api/v1/principals/etag-pat", "/api/v1/principals/{name}", "principal-etag-pat", m => ChangeRoles(m, "oncall"), false),
            "me" => new("/api/v1/principals/me", "/api/v1/principals/me", "principal-etag-pat", m => ChangeRoles(m, "approver"), false, app.PrincipalKey),
            "stage history" => new("/api/v1/models/etag-model/stages/shadow/history", "/api/v1/models/{key}/stages/{stage}/history", "deployment-etag-model-shadow",
                m => Write(HttpMethod.Post, "/api/v1/models/etag-model/stages/shadow/rollback", new { reason = "p99 doubled" }, m), false),
            "stream" => new("/api/v1/streams/model-etag-model/events", "/api/v1/streams/{streamId}/events", "model-etag-model", Note, false),
            _ => throw new ArgumentOutOfRangeException(nameof(resource)),
        };

        Task<IScenarioResult> Note(string ifMatch) =>
            Write(HttpMethod.Post, "/api/v1/models/etag-model/notes", new { title = "A note", body = "Why the filter exists." }, ifMatch);

        Task<IScenarioResult> ChangeRoles(string ifMatch, string role) =>
            Write(HttpMethod.Put, "/api/v1/principals/etag-pat/roles", new { roles = new[] { "contributor", role } }, ifMatch);
    }

    private Task<IScenarioResult> Write(HttpMethod method, string url, object body, string ifMatch, string? key = null) =>
        app.Scenario(s =>
        {
            s.WithMethod(method).Json(body).ToUrl(url).WithHeader("If-Match", ifMatch).IgnoreStatusCode();
            if (key is not null)
            {
                s.As(key);
            }
        });

    private Task<IScenarioResult> Read(Row row, string? ifNoneMatch = null) =>
        app.Scenario(s =>
        {
            s.Get.Url(row.Get).IgnoreStatusCode();
            if (row.Key is not null)
            {
                s.As(row.Key);
            }

            if (ifNoneMatch is not null)
            {
                s.WithHeader("If-None-Match", ifNoneMatch);
            }
        });

    [Theory]
    [MemberData(nameof(Resources))]
    public async Task a_get_answers_its_streams_version_as_the_etag_that_if_match_on_its_writes_takes(string resource)
    {
        var row = For(resource);
        var first = await Read(row);
        first.StatusCode.ShouldBe(System.Net.HttpStatusCode.OK, first.Body);
        var etag = first.Header("ETag");
        etag.ShouldNotBeNull($"{row.Get} sends no ETag");
        Version().IsMatch(etag).ShouldBeTrue(etag);
        var stream = await app.Scenario(s => s.Get.Url($"/api/v1/streams/{row.Stream}/events").StatusCodeShouldBe(200));
        etag.ShouldBe(stream.Header("ETag"), "the ETag is the version of the resource's stream");
        if (row.Write is null)
        {
            return;
        }

        var written = await row.Write(etag);
        ((int)written.StatusCode).ShouldBeInRange(200, 299, written.Body);
        var next = written.Header("ETag");
        next.ShouldNotBe(etag);

        var again = await Read(row);
        again.Header("ETag").ShouldBe(next, "the ETag moves with every write to the stream");

        var stale = await row.Write(etag);
        ((int)stale.StatusCode).ShouldBe(412, $"If-Match with the old ETag must be refused: {stale.Body}");

        var conditional = await Read(row, next);
        if (row.AnswersNotModified)
        {
            ((int)conditional.StatusCode).ShouldBe(304);
            conditional.Body.ShouldBeEmpty();
            conditional.Header("ETag").ShouldBe(next);
            ((int)(await Read(row, $"W/{etag}")).StatusCode).ShouldBe(200, "an old ETag gets the new body");
        }
        else
        {
            // The body says more than the stream (deployments, burn rates, who is on call now): never 304.
            ((int)conditional.StatusCode).ShouldBe(200);
        }
    }

    [Fact]
    public async Task a_missing_resource_answers_404_without_an_etag()
    {
        var missing = await app.Scenario(s => s.Get.Url("/api/v1/incidents/nope").StatusCodeShouldBe(404).WithHeader("If-None-Match", "*"));
        missing.Header("ETag").ShouldBeNull();
    }

    [Fact]
    public async Task the_table_holds_every_get_the_document_says_answers_an_etag()
    {
        var document = (await app.Scenario(s => s.Get.Url("/openapi/v1.json").Anonymous().StatusCodeShouldBe(200))).Json;
        var documented = OpenApiHostileTests.Operations(document)
            .Where(o => o.Method == "GET" && o.Operation.GetProperty("responses").GetProperty("200").TryGetProperty("headers", out var h) && h.TryGetProperty("ETag", out _))
            .Select(o => o.Path)
            .Order()
            .ToList();
        Resources.Cast<object[]>().Select(r => For((string)r[0]).Operation).Distinct().Order().ShouldBe(documented);

        // A GET of one thing named in its path either answers an ETag or is a view over several streams.
        string[] views =
        [
            "/api/v1/datasets/{name}/versions/{version}/impact", "/api/v1/models/{key}/deployments", "/api/v1/models/{key}/versions",
            "/api/v1/docs/models/{key}", "/api/v1/teams/{team}/queue", "/api/v1/teams/{team}/shift-report",
            "/api/v1/webhooks/{id}/deliveries",
        ];
        OpenApiHostileTests.Operations(document)
            .Where(o => o.Method == "GET" && o.Path.Contains('{', StringComparison.Ordinal))
            .Select(o => o.Path)
            .Except(documented)
            .Order()
            .ShouldBe(views.Order());
    }

    [GeneratedRegex("^\"[0-9]+\"$")]
    private static partial Regex Version();
}
