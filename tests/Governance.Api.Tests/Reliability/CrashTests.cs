using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Governance.Api.Tests.Harness;
using Governance.Processes;
using Npgsql;

namespace Governance.Api.Tests.Reliability;

/// <summary>
/// The service as its own process, killed with SIGKILL in the middle of a load of evaluations (which share
/// transactions under load): every evaluation it acknowledged must be in the log and its read model afterwards, the
/// hash chains intact, and a restarted service must serve them.
/// </summary>
public sealed class CrashTests : IAsyncLifetime
{
    private string connectionString = "";

    public async Task InitializeAsync() => connectionString = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await TestDatabase.DropAsync(connectionString);

    [Fact]
    public async Task no_acknowledged_evaluation_is_lost_when_the_service_is_killed_under_load()
    {
        var acknowledged = new ConcurrentBag<string>();
        var cutOff = 0;
        await using (var service = await ServiceProcess.StartAsync(connectionString, CancellationToken.None))
        {
            using var client = service.CreateClient();
            await SeedAsync(client);

            using var stop = new CancellationTokenSource();
            var loops = Enumerable.Range(0, 16).Select(worker => Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    try
                    {
                        using var response = await client.PostAsJsonAsync("/api/v1/evaluations", Evaluation(worker, i));
                        if (response.StatusCode != HttpStatusCode.Created)
                        {
                            throw new InvalidOperationException($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                        }

                        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                        acknowledged.Add(body.RootElement.GetProperty("id").GetString()!);
                    }
                    catch (HttpRequestException)
                    {
                        Interlocked.Increment(ref cutOff); // in flight when the service died
                        return;
                    }
                }
            })).ToList();

            // Kill while requests are in flight, once enough have been acknowledged to mean something.
            for (var waited = 0; acknowledged.Count < 300 && waited < 1500; waited++) // at most 30 s on a slow machine
            {
                await Task.Delay(20);
            }

            await service.KillAsync();
            await stop.CancelAsync();
            await Task.WhenAll(loops);
        }

        acknowledged.Count.ShouldBeGreaterThanOrEqualTo(300);
        cutOff.ShouldBeGreaterThan(0, "no request was in flight when the service was killed");
        var ids = acknowledged.ToArray();
        (await CountAsync("SELECT count(*) FROM governance.mt_events WHERE stream_id = ANY($1)", ids.Select(id => $"evaluation-{id}").ToArray()))
            .ShouldBe(ids.Length);
        (await CountAsync("SELECT count(*) FROM governance.evaluations WHERE id = ANY($1)", ids)).ShouldBe(ids.Length);

        await using (var restarted = await ServiceProcess.StartAsync(connectionString, CancellationToken.None))
        {
            using var client = restarted.CreateClient();
            var verify = await client.GetFromJsonAsync<JsonElement>("/api/v1/audit/verify");
            verify.GetProperty("verified").GetBoolean().ShouldBeTrue(verify.ToString());
            foreach (var id in ids.Take(20))
            {
                using var read = await client.GetAsync($"/api/v1/evaluations/{id}");
                read.StatusCode.ShouldBe(HttpStatusCode.OK);
            }
        }
    }

    private static Dictionary<string, object> Evaluation(int worker, int i) => new()
    {
        ["model"] = "crash-model",
        ["version"] = "1.0.0",
        ["suite"] = "crash-suite",
        ["stage"] = "offline",
        ["datasets"] = new[] { "crash-data@v1" },
        ["metrics"] = new Dictionary<string, double> { ["auc"] = 0.9 + (worker % 10) / 100.0 },
        ["productMetrics"] = new Dictionary<string, double> { ["worker"] = worker, ["request"] = i },
    };

    private static async Task SeedAsync(HttpClient client)
    {
        async Task Post(string url, object body)
        {
            using var response = await client.PostAsJsonAsync(url, body);
            response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        }

        await Post("/api/v1/models", new { key = "crash-model", name = "Crash", description = "d", team = "crash-team", taskType = "classification" });
        await Post("/api/v1/datasets/crash-data/versions", new { version = "v1", uri = "s3://b/v1", digest = "sha256:" + new string('1', 64) });
        await Post("/api/v1/models/crash-model/versions", new
        {
            version = "1.0.0", artifactUri = "s3://m/1", digest = "sha256:" + new string('2', 64), trainingDatasets = new[] { "crash-data@v1" }, codeCommit = "abc",
        });
        await Post("/api/v1/evaluation-suites", new
        {
            name = "crash-suite", description = "d", metrics = new[] { new { name = "auc", threshold = 0.8, direction = "higher" } }, slices = Array.Empty<object>(),
        });
    }

    private async Task<long> CountAsync(string sql, string[] values)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        cmd.Parameters.Add(new() { Value = values });
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
