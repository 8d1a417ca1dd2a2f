using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Governance.Api.Tests.Harness;

namespace Governance.Api.Tests.Nodes;

/// <summary>
/// Approvers racing on one promotion through two service processes on one PostgreSQL: the nodes share nothing but
/// the database, so only its locks and versions keep each approval recorded exactly once (DESIGN §9).
/// </summary>
public sealed class ApprovalsAcrossNodesTests : IAsyncLifetime
{
    private const string AdminKey = "gov_approvals-admin-key-0123456789abcdefghijklmn";
    private string connectionString = "";

    public async Task InitializeAsync() => connectionString = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await TestDatabase.DropAsync(connectionString);

    [Fact]
    public async Task sixty_four_approvers_split_between_two_nodes_are_each_recorded_once()
    {
        const int approvers = 64;
        var nodes = await Cluster.StartAsync(connectionString, 2, AdminKey);
        try
        {
            using var admin = nodes[0].CreateClient();
            await Cluster.PostAsync(admin, "/api/v1/models", new { key = "two-node-race", name = "Race", description = "d", team = "race-team", taskType = "classification" });
            await Cluster.PostAsync(admin, "/api/v1/models/two-node-race/versions", new
            {
                version = "v1", artifactUri = "s3://m/v1", digest = "sha256:" + new string('2', 64), trainingDatasets = Array.Empty<string>(), codeCommit = "abc",
            });
            using (var policy = await admin.PutAsJsonAsync("/api/v1/models/two-node-race/policy", new { stages = new { shadow = new { requiredApprovals = 100 } } }))
            {
                policy.StatusCode.ShouldBe(HttpStatusCode.OK, await policy.Content.ReadAsStringAsync());
            }

            var keys = new string[approvers];
            for (var i = 0; i < approvers; i++)
            {
                // Principals made on either node: a key issued on one is honoured on the other.
                using var issuer = nodes[i % 2].CreateClient();
                var created = await Cluster.PostAsync(issuer, "/api/v1/principals", new { name = $"racer-{i:00}", roles = new[] { "approver" } });
                keys[i] = JsonDocument.Parse(created).RootElement.GetProperty("apiKey").GetString()!;
            }

            var requested = await Cluster.PostAsync(admin, "/api/v1/promotions", new
            {
                model = "two-node-race", version = "v1", targetStage = "shadow", justification = "Better recall", evidence = Array.Empty<string>(),
            });
            using var promotion = JsonDocument.Parse(requested);
            promotion.RootElement.GetProperty("status").GetString().ShouldBe("pending", requested);
            var id = promotion.RootElement.GetProperty("id").GetString()!;

            using var start = new SemaphoreSlim(0);
            var requests = keys.Select(async (key, i) =>
            {
                using var client = nodes[i % 2].CreateClient(key);
                await start.WaitAsync();
                using var response = await client.PostAsJsonAsync($"/api/v1/promotions/{id}/approvals", new { comment = "ok" });
                return (i, Status: (int)response.StatusCode, Body: await response.Content.ReadAsStringAsync());
            }).ToList();
            start.Release(approvers);
            var answers = await Task.WhenAll(requests);

            answers.Where(a => a.Status != 200).ShouldBeEmpty();
            foreach (var node in nodes)
            {
                // Each node reads the same promotion: all 64, each once.
                using var reader = node.CreateClient();
                var view = await reader.GetFromJsonAsync<JsonElement>($"/api/v1/promotions/{id}");
                var by = view.GetProperty("approvals").EnumerateArray().Select(a => a.GetProperty("by").GetString()!).ToList();
                by.ShouldBe(Enumerable.Range(0, approvers).Select(i => $"racer-{i:00}"), ignoreOrder: true);
            }

            // A second round from the same people, through the other node, changes nothing.
            var again = await Task.WhenAll(keys.Take(8).Select(async (key, i) =>
            {
                using var client = nodes[(i + 1) % 2].CreateClient(key);
                using var response = await client.PostAsJsonAsync($"/api/v1/promotions/{id}/approvals", new { });
                return (int)response.StatusCode;
            }));
            again.ShouldAllBe(s => s == 409);
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }
}
