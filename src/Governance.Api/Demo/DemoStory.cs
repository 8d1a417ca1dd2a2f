using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Governance.Api.Principals;

namespace Governance.Api.Demo;

/// <summary>
/// `dotnet run --project src/Governance.Api -- --demo` seeds a realistic story through the public HTTP API, so a
/// newcomer opens /docs/models/fraud-detector and sees every section with real content: data, an abandoned idea,
/// three versions, a suite with slices, evaluations, promotions with approvals, an on-call rotation, an SLO breach,
/// an incident with a postmortem that adds a slice, and a rollback to the fallback.
/// </summary>
/// <param name="server">The service's address.</param>
/// <param name="adminKey">The bootstrap admin's key.</param>
/// <param name="log">Where the story's progress goes.</param>
/// <param name="handler">How requests reach the service (an in-memory test server); a new connection per client when null.</param>
public sealed partial class DemoStory(Uri server, string adminKey, TextWriter log, HttpMessageHandler? handler = null)
{
    private const string Model = "fraud-detector";
    private readonly Dictionary<string, string> keys = new(StringComparer.Ordinal);

    /// <summary>Runs the story after the server starts, once (skipped when the model already exists).</summary>
    public static void RunOnStart(WebApplication app)
    {
        app.Lifetime.ApplicationStarted.Register(() => _ = Task.Run(async () =>
        {
            try
            {
                var address = app.Urls.FirstOrDefault() ?? "http://127.0.0.1:5080";
                var key = await BootstrapAdmin.ResolveKeyAsync(app.Configuration, CancellationToken.None);
                await new DemoStory(new Uri(address), key, Console.Out).RunAsync(app.Lifetime.ApplicationStopping);
            }
            catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or TaskCanceledException)
            {
                Console.Error.WriteLine($"The demo story stopped: {ex.Message}");
            }
        }));
    }

    /// <summary>Tells the story.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        using var admin = Client(adminKey);
        if ((await admin.GetAsync($"/api/v1/models/{Model}", ct)).StatusCode == HttpStatusCode.OK)
        {
            await log.WriteLineAsync($"Demo: '{Model}' already exists; open {server}docs/models/{Model}");
            return;
        }

        await log.WriteLineAsync("Demo: seeding the fraud-detector story through the API…");
        // Everyone on the payments-ml rotation (maria, omar, lena; ben shadows) holds oncall: only they can be paged.
        foreach (var (name, roles) in new[]
                 {
                     ("maria", new[] { "contributor", "oncall" }), ("ana", ["approver"]), ("ben", ["approver", "oncall"]), ("omar", ["oncall"]), ("lena", ["oncall"]),
                 })
        {
            var created = await Send(admin, "POST", "/api/v1/principals", new { name, roles }, ct);
            keys[name] = created.GetProperty("apiKey").GetString()!;
        }

        await ChapterRegistryAsync(ct);
        await ChapterPromotionsAsync(ct);
        await ChapterOperationsAsync(ct);
        await log.WriteLineAsync($"Demo: done. Open {server}docs/models/{Model} (sign in with the admin key) or GET /api/v1/docs/models/{Model}.");
    }

    private async Task ChapterRegistryAsync(CancellationToken ct)
    {
        using var maria = Client(keys["maria"]);
        await Send(maria, "POST", "/api/v1/models", new
        {
            key = Model, name = "Fraud detector", team = "payments-ml", taskType = "binary-classification",
            description = "Scores every card transaction for fraud; scores above the threshold go to manual review before the payment settles.",
            stages = new[] { "offline", "shadow", "canary", "production" },
            kpis = new object[] { new { name = "chargeback-rate", target = "< 0.08%" }, new { name = "manual-review-rate", target = "< 2%" } },
        }, ct);
        await Send(maria, "POST", "/api/v1/datasets/transactions/versions", new { version = "2026-09", uri = "s3://lake/transactions/2026-09", digest = Digest(1), rows = 41_200_000 }, ct);
        await Send(maria, "POST", "/api/v1/datasets/transactions/versions", new { version = "2026-10", uri = "s3://lake/transactions/2026-10", digest = Digest(2), rows = 43_900_000 }, ct);
        await Send(maria, "POST", "/api/v1/datasets/chargebacks/versions", new { version = "2026-10", uri = "s3://lake/chargebacks/2026-10", digest = Digest(3), rows = 31_000 }, ct);
        await Send(maria, "POST", "/api/v1/datasets/features/versions", new { version = "2026-09", uri = "s3://lake/features/2026-09", digest = Digest(4), parents = new[] { "transactions@2026-09" } }, ct);
        await Send(maria, "POST", "/api/v1/datasets/features/versions", new { version = "2026-10", uri = "s3://lake/features/2026-10", digest = Digest(5), parents = new[] { "transactions@2026-10", "chargebacks@2026-10" } }, ct);
        await Send(maria, "POST", "/api/v1/datasets/holdout/versions", new { version = "2026-10", uri = "s3://lake/holdout/2026-10", digest = Digest(6), rows = 500_000 }, ct);

        var baseline = (await Send(maria, "POST", "/api/v1/experiments", new { model = Model, hypothesis = "A gradient-boosted baseline on September features", kind = "model" }, ct)).GetProperty("id").GetString()!;
        await Run(maria, baseline, "gbm-sept", "features@2026-09", 0.912, ct);
        await Send(maria, "POST", $"/api/v1/experiments/{baseline}/conclusion", new { outcome = "adopted", reason = "Beats the rules engine by 30% fewer chargebacks at equal review rate." }, ct);

        var embeddings = (await Send(maria, "POST", "/api/v1/experiments", new { model = Model, hypothesis = "Merchant-category embeddings lift recall", kind = "model", baseVersion = (string?)null }, ct)).GetProperty("id").GetString()!;
        await Run(maria, embeddings, "emb-1", "features@2026-09", 0.914, ct);
        await Send(maria, "POST", $"/api/v1/experiments/{embeddings}/conclusion", new { outcome = "abandoned", reason = "+0.002 AUC for 3x serving latency; not worth it. Revisit if latency budget grows." }, ct);

        await Send(maria, "POST", $"/api/v1/models/{Model}/versions", Version("1.0.0", baseline, "gbm-sept", ["features@2026-09"], [], 7), ct);

        var fresher = (await Send(maria, "POST", "/api/v1/experiments", new { model = Model, hypothesis = "Retraining on October data with fresher chargeback labels lifts recall", kind = "data", baseVersion = "1.0.0" }, ct)).GetProperty("id").GetString()!;
        await Run(maria, fresher, "gbm-oct", "features@2026-10", 0.931, ct);
        await Send(maria, "POST", $"/api/v1/experiments/{fresher}/conclusion", new { outcome = "adopted", reason = "Recall +4 points at the same precision on the October holdout." }, ct);
        await Send(maria, "POST", $"/api/v1/models/{Model}/versions", Version("1.1.0", fresher, "gbm-oct", ["features@2026-10"], ["fraud-detector@1.0.0"], 8), ct);
        await Send(maria, "POST", $"/api/v1/models/{Model}/versions", Version("1.2.0", null, null, ["features@2026-10"], ["fraud-detector@1.1.0"], 9), ct);
        await Send(maria, "POST", $"/api/v1/models/{Model}/versions/1.1.0/guardrails", new { name = "amount-cap", version = "2", description = "Never auto-approve transactions above 10,000 EUR." }, ct);

        await Send(maria, "POST", "/api/v1/evaluation-suites", new
        {
            name = "fraud-core",
            description = "The shared fraud evaluation: overall quality, latency and the slices that hurt us before.",
            metrics = new object[]
            {
                new { name = "auc", threshold = 0.9, direction = "higher", maxRegression = 0.01 },
                new { name = "recall_at_1pct_fpr", threshold = 0.6, direction = "higher", maxRegression = 0.02 },
                new { name = "p99_latency_ms", threshold = 40, direction = "lower" },
            },
            slices = new object[] { new { name = "new-customers", metric = "auc", threshold = 0.85 }, new { name = "card-not-present", metric = "auc", threshold = 0.88 } },
        }, ct);
        await Evaluate(maria, "1.0.0", 0.912, 0.61, 31, 0.86, 0.89, ct);
        await Evaluate(maria, "1.1.0", 0.931, 0.66, 33, 0.88, 0.9, ct);
        await Evaluate(maria, "1.2.0", 0.93, 0.67, 45, 0.87, 0.9, ct);

        await Send(maria, "POST", $"/api/v1/models/{Model}/notes", new { title = "Intended use", body = "Ranking card transactions for manual review. Not for declining payments automatically.", tags = new[] { "intended-use" } }, ct);
        await Send(maria, "POST", $"/api/v1/models/{Model}/notes", new { title = "Known limitation: labels arrive late", body = "Chargebacks arrive 30-60 days after the payment, so recent weeks look better than they are. SLOs use a 30-day label delay.", tags = new[] { "limitations" } }, ct);
        await Send(maria, "POST", $"/api/v1/models/{Model}/notes", new { title = "Why the 0.7 threshold", body = "Chosen with the review team in 2026-09 to keep manual reviews under 2% of volume.", tags = new[] { "threshold" } }, ct);
    }

    private async Task ChapterPromotionsAsync(CancellationToken ct)
    {
        using var admin = Client(adminKey);
        using var maria = Client(keys["maria"]);
        using var ana = Client(keys["ana"]);
        using var ben = Client(keys["ben"]);
        await Send(admin, "PUT", $"/api/v1/models/{Model}/policy", new
        {
            stages = new Dictionary<string, object>
            {
                ["shadow"] = new { requiredApprovals = 1, approverRoles = new[] { "approver" }, requiredSuites = Array.Empty<string>() },
                ["canary"] = new { requiredApprovals = 1, approverRoles = new[] { "approver" }, requiredSuites = new[] { "fraud-core" } },
                ["production"] = new { requiredApprovals = 2, approverRoles = new[] { "approver" }, requiredSuites = new[] { "fraud-core" }, blockOnIncidentSeverity = "SEV2" },
            },
        }, ct);

        foreach (var version in new[] { "1.0.0", "1.1.0" })
        {
            foreach (var stage in new[] { "shadow", "canary", "production" })
            {
                var evidence = await EvidenceAsync(maria, version, ct);
                var promotion = await Send(maria, "POST", "/api/v1/promotions", new
                {
                    model = Model, version, targetStage = stage, justification = $"{version} holds up in {PreviousOf(stage)}; evaluation attached.", evidence,
                }, ct);
                var id = promotion.GetProperty("id").GetString()!;
                await Send(ana, "POST", $"/api/v1/promotions/{id}/approvals", new { comment = "Slices look fine." }, ct);
                if (stage == "production")
                {
                    await Send(ben, "POST", $"/api/v1/promotions/{id}/approvals", new { comment = "Agree; watch new-customers." }, ct);
                }

                await Send(maria, "POST", $"/api/v1/promotions/{id}/deployment", new { }, ct);
            }
        }

        // 1.2.0 is too slow for production: the approvers say no, and the reason stays on record.
        var slow = await Send(maria, "POST", "/api/v1/promotions", new { model = Model, version = "1.2.0", targetStage = "shadow", justification = "Threshold tuned for the holidays.", evidence = await EvidenceAsync(maria, "1.2.0", ct) }, ct);
        await Send(ana, "POST", $"/api/v1/promotions/{slow.GetProperty("id").GetString()}/rejections", new { reason = "p99 latency 45 ms fails the suite; fix latency first." }, ct);
    }

    private static string PreviousOf(string stage) => stage switch { "shadow" => "offline evaluation", "canary" => "shadow", _ => "canary" };

    private async Task<string[]> EvidenceAsync(HttpClient client, string version, CancellationToken ct)
    {
        var list = await Send(client, "GET", $"/api/v1/evaluations?model={Model}&version={version}", null, ct);
        var items = list.ValueKind == JsonValueKind.Array ? list : list.TryGetProperty("evaluations", out var inner) ? inner : list;
        return [.. items.EnumerateArray().Take(1).Select(e => e.GetProperty("id").GetString()!)];
    }

    private async Task Run(HttpClient client, string experiment, string runId, string dataset, double auc, CancellationToken ct) =>
        await Send(client, "POST", $"/api/v1/experiments/{experiment}/runs", new
        {
            runId, codeCommit = "9c1e2f4", configHash = $"cfg-{runId}", @params = new { learning_rate = 0.05, max_depth = 7, n_estimators = 800 }, seed = 17,
            datasets = new[] { dataset }, environment = "python 3.11, lightgbm 4.5, 8 vCPU", metrics = new { auc },
        }, ct);

    private static object Version(string version, string? experimentId, string? runId, string[] datasets, string[] parents, int seed) => new
    {
        version, artifactUri = $"s3://models/{Model}/{version}/model.txt", digest = Digest(100 + seed), experimentId, runId,
        trainingDatasets = datasets, parents, codeCommit = "9c1e2f4", config = new { threshold = 0.7, features = 212 },
    };

    private async Task Evaluate(HttpClient client, string version, double auc, double recall, double latency, double newCustomers, double cardNotPresent, CancellationToken ct) =>
        await Send(client, "POST", "/api/v1/evaluations", new
        {
            model = Model, version, suite = "fraud-core", stage = "offline", datasets = new[] { "holdout@2026-10" },
            metrics = new Dictionary<string, double> { ["auc"] = auc, ["recall_at_1pct_fpr"] = recall, ["p99_latency_ms"] = latency },
            slices = new Dictionary<string, Dictionary<string, double>> { ["new-customers"] = new() { ["auc"] = newCustomers }, ["card-not-present"] = new() { ["auc"] = cardNotPresent } },
            productMetrics = new { manual_review_rate = 0.018 },
        }, ct);

    private static string Digest(int seed) => "sha256:" + seed.ToString("x64", System.Globalization.CultureInfo.InvariantCulture);

    private HttpClient Client(string key)
    {
        var client = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        client.BaseAddress = server;
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static async Task<JsonElement> Send(HttpClient client, string method, string url, object? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (body is not null)
        {
            request.Content = new StringContent(JsonSerializer.Serialize(body, Json), Encoding.UTF8, "application/json");
        }

        using var response = await client.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{method} {url} answered {(int)response.StatusCode}: {text}");
        }

        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }
}
