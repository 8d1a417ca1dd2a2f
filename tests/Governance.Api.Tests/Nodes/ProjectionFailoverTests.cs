using System.Text.Json;
using Governance.Api.Alerts;
using Governance.Api.Tests.Harness;
using Governance.Processes;
using Npgsql;

namespace Governance.Api.Tests.Nodes;

/// <summary>
/// Two service processes on one PostgreSQL: Wolverine runs each async projection on exactly one of them, and when that
/// one is killed (SIGKILL: no goodbye, its heartbeat just stops) the other takes the projection over within 30 s
/// (DESIGN §3), from where the dead one left it.
/// </summary>
public sealed class ProjectionFailoverTests : IAsyncLifetime
{
    private const string AdminKey = "gov_failover-admin-key-0123456789abcdefghijklmnop";
    private string connectionString = "";

    public async Task InitializeAsync() => connectionString = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await TestDatabase.DropAsync(connectionString);

    [Fact]
    public async Task a_projection_keeps_running_on_the_other_node_when_the_node_running_it_is_killed()
    {
        var nodes = await Cluster.StartAsync(connectionString, 2, AdminKey);
        try
        {
            using var first = nodes[0].CreateClient();
            await Cluster.PostAsync(first, "/api/v1/models", new { key = "failover-model", name = "Failover", description = "d", team = "failover-team", taskType = "classification" });
            var before = new List<string>();
            for (var i = 0; i < 5; i++)
            {
                before.Add(await FireAsync(first, $"before-{i}"));
            }

            // Both nodes run background work; the leader gives the projection to one of them.
            Guid? owner = null;
            await Cluster.WaitUntilAsync(async () => (owner = await Cluster.OwnerAsync(connectionString, AlertNoiseProjection.ProjectionName)) is not null,
                TimeSpan.FromSeconds(30), "the alert-noise projection was assigned to a node");
            await Cluster.WaitUntilAsync(async () => await ProjectedAsync(before) == before.Count, TimeSpan.FromSeconds(30), "the first alerts were projected");
            var ids = new[] { await Cluster.NodeIdAsync(nodes[0]), await Cluster.NodeIdAsync(nodes[1]) };
            ids.ShouldContain(owner!.Value);
            var victim = nodes[Array.IndexOf(ids, owner.Value)];
            var survivor = nodes[1 - Array.IndexOf(ids, owner.Value)];

            var sinceKill = System.Diagnostics.Stopwatch.StartNew();
            await victim.KillAsync();
            using var client = survivor.CreateClient();
            var after = new List<string>();
            for (var i = 0; i < 5; i++)
            {
                after.Add(await FireAsync(client, $"after-{i}"));
            }

            await Cluster.WaitUntilAsync(async () => await ProjectedAsync(after) == after.Count, TimeSpan.FromSeconds(30),
                "the alerts fired after the kill were projected by the surviving node");
            sinceKill.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(30));
            (await Cluster.OwnerAsync(connectionString, AlertNoiseProjection.ProjectionName)).ShouldBe(ids[Array.IndexOf(nodes, survivor)]);

            // Taken over from where the dead node left it: every alert once, the old ones still there.
            (await ProjectedAsync([.. before, .. after])).ShouldBe(before.Count + after.Count);
            (await RowsAsync()).ShouldBe(before.Count + after.Count);
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    private static async Task<string> FireAsync(HttpClient client, string rule)
    {
        var body = await Cluster.PostAsync(client, "/api/v1/alerts", new { rule, model = "failover-model", severity = "SEV3", summary = $"{rule} fired" });
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }

    private async Task<long> ProjectedAsync(IReadOnlyList<string> alerts)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM governance.alert_noise WHERE alert_id = ANY($1)", connection);
        cmd.Parameters.Add(new() { Value = alerts.ToArray() });
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    private async Task<long> RowsAsync()
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM governance.alert_noise", connection);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
