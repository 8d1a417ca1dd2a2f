using System.Net;
using System.Net.Http.Json;
using Governance.Api.Demo;
using Governance.Api.Tests.Harness;
using Governance.Api.Tests.Operations;
using Governance.Api.Tests.Promotions;
using Governance.Api.Tests.Registry;
using Microsoft.AspNetCore.Hosting;
using NodaTime;
using NodaTime.Text;

namespace Governance.Api.Tests.Storage;

/// <summary>
/// The service with a realistic history written through its API once: the demo story (registry, suite, evaluations,
/// promotions approved, rejected and deployed, a rotation, an SLO breach, its incident acknowledged, mitigated by a
/// rollback, resolved, with a postmortem that adds a slice), then what the story leaves out (a flagged dataset, keys
/// issued and revoked, roles changed, a withdrawn promotion, a designated fallback, a revised suite, an SLO that breaches
/// and recovers and is revised, incidents left open, assigned and reopened, alerts left open, escalated and resolved,
/// an answer remembered for an Idempotency-Key).
/// </summary>
public sealed class RebuildHistoryApp : GovernanceApp
{
    private readonly Lock gate = new();
    private Task? history;

    /// <summary>A key of a principal that issued itself a second key, which was then revoked.</summary>
    public string LiveKey { get; private set; } = "";

    /// <summary>The revoked key.</summary>
    public string RevokedKey { get; private set; } = "";

    /// <inheritdoc />
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        // The operations checks run on a timer: none may append between a test's two snapshots.
        builder.UseSetting("Governance:OperationsIntervalSeconds", "86400");
    }

    /// <summary>Writes the history once per fixture (a failure fails every test that needs it, the same way).</summary>
    public Task EnsureHistoryAsync()
    {
        lock (gate)
        {
            return history ??= WriteAsync();
        }
    }

    private async Task WriteAsync()
    {
        // The story measures its SLO against the wall clock; a second per clock reading spreads its events in time.
        Clock.Reset(SystemClock.Instance.GetCurrentInstant());
        Clock.AutoAdvance = Duration.FromSeconds(1);
        using (var handler = Server.CreateHandler())
        {
            await new DemoStory(new Uri("http://localhost/"), AdminKey, TextWriter.Null, handler).RunAsync(CancellationToken.None);
        }

        Clock.AutoAdvance = Duration.Zero;
        await WebhooksAsync();
        await this.Scenario(s => s.Post.Json(new { reason = "Duplicated rows in September" }).ToUrl("/api/v1/datasets/transactions/versions/2026-09/flag").StatusCodeShouldBe(200));
        await this.Scenario(s => s.Put.Json(new
        {
            name = "fraud-core", description = "Tighter after the holiday incident",
            metrics = new object[] { new { name = "auc", threshold = 0.92, direction = "higher", maxRegression = 0.01 } },
            slices = new object[] { new { name = "new-customers", metric = "auc", threshold = 0.86 } },
        }).ToUrl("/api/v1/evaluation-suites/fraud-core").StatusCodeShouldBe(200));

        await KeysAsync();
        await DeploymentsAsync();
        await OperationsAsync();
        await PipelineRunsAsync();

        // An answer remembered for a retry: an operational record a rebuild must keep.
        using var client = Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/models")
        {
            Content = JsonContent.Create(new { key = "rb-idem", name = "Idempotent", team = "rb-team", taskType = "ranking" }, options: Json),
        };
        request.Headers.Add("Idempotency-Key", "rb-idem-1");
        using var created = await client.SendAsync(request);
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
    }

    private async Task WebhooksAsync()
    {
        foreach (var name in new[] { "kept", "rotated", "removed" })
        {
            var created = await this.Scenario(s => s.Post.Json(new { url = $"https://hooks.example.com/{name}", events = new[] { "postmortem_published" }, model = "rb-no-such-model" })
                .ToUrl("/api/v1/webhooks").StatusCodeShouldBe(201));
            var id = created.Json.GetProperty("id").GetString()!;
            if (name == "rotated")
            {
                await this.Scenario(s => s.Post.Json(new { }).ToUrl($"/api/v1/webhooks/{id}/secret").StatusCodeShouldBe(200));
            }
            else if (name == "removed")
            {
                await this.Scenario(s => s.Delete.Url($"/api/v1/webhooks/{id}").StatusCodeShouldBe(204));
            }
        }
    }

    private async Task KeysAsync()
    {
        var first = await CreatePrincipalAsync("rb-rita", Role.Contributor);
        var second = await this.Scenario(s => s.Post.Url("/api/v1/principals/rb-rita/keys").As(first).StatusCodeShouldBe(201));
        LiveKey = second.Json.GetProperty("apiKey").GetString()!;
        var me = await this.Scenario(s => s.Get.Url("/api/v1/principals/me").As(first).StatusCodeShouldBe(200));
        var firstId = me.Json.GetProperty("keys").EnumerateArray()
            .Single(k => k.TryGetProperty("current", out var current) && current.GetBoolean()).GetProperty("keyId").GetString();
        await this.Scenario(s => s.Delete.Url($"/api/v1/principals/rb-rita/keys/{firstId}").StatusCodeShouldBe(204));
        RevokedKey = first;
        await this.Scenario(s => s.Put.Json(new { roles = new[] { "contributor", "approver" } }).ToUrl("/api/v1/principals/rb-rita/roles").StatusCodeShouldBe(200));
    }

    private async Task DeploymentsAsync()
    {
        await this.ModelWithVersionsAsync("rb-model", "v1", "v2", "v3");
        var alice = await CreatePrincipalAsync("rb-alice", Role.Approver);
        foreach (var version in new[] { "v1", "v2", "v3" })
        {
            Clock.Advance(Duration.FromMinutes(10));
            await this.PromoteAsync("rb-model", version, "shadow", alice);
        }

        await this.Scenario(s => s.Put.Json(new { version = "v1" }).ToUrl("/api/v1/models/rb-model/stages/shadow/fallback").StatusCodeShouldBe(200));
        var withdrawn = await this.RequestPendingAsync("rb-model", "v3", "canary");
        await this.Scenario(s => s.Post.Json(new { reason = "Waiting for more traffic" }).ToUrl($"/api/v1/promotions/{withdrawn}/withdrawal").StatusCodeShouldBe(200));
        await this.RequestPendingAsync("rb-model", "v3", "canary"); // asked again, and left in the inbox
    }

    private async Task PipelineRunsAsync()
    {
        // A pipeline run reads a dataset registered before it and writes one registered after it (the join in both orders),
        // under a parent run; and a job on its own.
        await this.RegisterDatasetAsync("rb-raw", "v1");
        const string Run = """
            { "eventType": "COMPLETE", "eventTime": "2026-11-23T08:00:00Z", "producer": "https://github.com/apache/airflow",
              "run": { "runId": "0193a1c2-0000-7000-8000-000000000001",
                       "facets": { "parent": { "run": { "runId": "0193a1c2-0000-7000-8000-000000000002" }, "job": { "namespace": "airflow://rb", "name": "rb_dag" } } } },
              "job": { "namespace": "airflow://rb", "name": "rb_dag.build" },
              "inputs": [{ "namespace": "s3://data", "name": "rb-raw/v1" }],
              "outputs": [{ "namespace": "s3://data", "name": "rb-features/v1" }, { "namespace": "s3://data", "name": "rb-scratch" }] }
            """;
        await this.Scenario(s => s.Post.Text(Run, "application/json").ToUrl("/api/v1/lineage").StatusCodeShouldBe(201));
        await this.RegisterDatasetAsync("rb-features", "v1");
        const string Job = """
            { "eventTime": "2026-11-23T08:00:00Z", "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent",
              "job": { "namespace": "dbt://rb", "name": "rb_model" }, "outputs": [{ "namespace": "postgres://rb:5432", "name": "rb.public.t" }] }
            """;
        await this.Scenario(s => s.Post.Text(Job, "application/json").ToUrl("/api/v1/lineage").StatusCodeShouldBe(201));
    }

    private async Task OperationsAsync()
    {
        await this.RegisterModelAsync("rb-ops", team: "rb-team");
        await this.DefineRotationAsync("rb-team", ["rb-omar", "rb-lena"]);

        // Incidents: one left open and reassigned, one resolved and reopened.
        var open = await this.OpenIncidentAsync("rb-ops", "SEV3");
        await this.Scenario(s => s.Post.Json(new { assignee = "rb-lena" }).ToUrl($"/api/v1/incidents/{open}/assignment").StatusCodeShouldBe(200));
        var reopened = await this.OpenIncidentAsync("rb-ops", "SEV2");
        await this.Scenario(s => s.Post.Json(new { note = "on it" }).ToUrl($"/api/v1/incidents/{reopened}/acknowledgement").StatusCodeShouldBe(200));
        await this.Scenario(s => s.Post.Json(new { resolution = "Feature pipeline restarted" }).ToUrl($"/api/v1/incidents/{reopened}/resolution").StatusCodeShouldBe(200));
        await this.Scenario(s => s.Post.Json(new { reason = "Drift is back" }).ToUrl($"/api/v1/incidents/{reopened}/reopening").StatusCodeShouldBe(200));

        // Alerts: one left open, one repeated and escalated, one resolved.
        await this.FireAlertAsync("rb-null-rate", "rb-ops", dedupKey: "rb-open");
        var escalated = await this.FireAlertAsync("rb-latency", "rb-ops", dedupKey: "rb-escalated");
        await this.FireAlertAsync("rb-latency", "rb-ops", dedupKey: "rb-escalated", status: 200);
        await this.Scenario(s => s.Post.Json(new { severity = "SEV2" }).ToUrl($"/api/v1/alerts/{escalated}/escalation").StatusCodeShouldBe(201));
        var resolved = await this.FireAlertAsync("rb-drift", "rb-ops");
        await this.Scenario(s => s.Post.Json(new { }).ToUrl($"/api/v1/alerts/{resolved}/resolution").StatusCodeShouldBe(200));

        // An SLO that burns fast, pages, recovers seven healthy hours later, and is revised.
        var slo = await this.Scenario(s => s.Post.Json(new { name = "Accuracy", model = "rb-ops", stage = "production", objective = 0.99, window = "P28D", description = "Right decisions" })
            .ToUrl("/api/v1/slos").StatusCodeShouldBe(201));
        var id = slo.Json.GetProperty("id").GetString()!;
        var now = Clock.GetCurrentInstant();
        await IngestAsync(id, now - Duration.FromHours(6), now - Duration.FromMinutes(30), 0);
        (await IngestAsync(id, now - Duration.FromMinutes(30), now, 0.5)).Json.GetProperty("breaching").GetBoolean().ShouldBeTrue();
        Clock.Advance(Duration.FromHours(7));
        (await IngestAsync(id, now, now + Duration.FromHours(7), 0)).Json.GetProperty("breaching").GetBoolean().ShouldBeFalse();
        await this.Scenario(s => s.Put.Json(new { name = "Accuracy", objective = 0.98, window = "P28D", description = "Relaxed" }).ToUrl($"/api/v1/slos/{id}").StatusCodeShouldBe(200));
    }

    private Task<IScenarioResult> IngestAsync(string id, Instant from, Instant to, double errorRate)
    {
        var buckets = new List<object>();
        for (var t = from; t < to; t += Duration.FromMinutes(5))
        {
            buckets.Add(new { from = Text(t), to = Text(t + Duration.FromMinutes(5)), good = 100 - (int)Math.Round(errorRate * 100), total = 100 });
        }

        return this.Scenario(s => s.Post.Json(buckets).ToUrl($"/api/v1/slos/{id}/measurements").StatusCodeShouldBe(202));
    }

    private static string Text(Instant instant) => InstantPattern.ExtendedIso.Format(instant);
}
