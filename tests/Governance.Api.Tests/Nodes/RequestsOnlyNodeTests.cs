using System.Net.Http.Json;
using Governance.Api.Tests.Harness;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Wolverine;
using Wolverine.Runtime;

namespace Governance.Api.Tests.Nodes;

/// <summary>
/// A node started with Governance:BackgroundWork=false beside one that runs it: it takes commands like any node, is a
/// member of the cluster, and is never given a projection, the durability agent or the leadership.
/// </summary>
public sealed class RequestsOnlyNodeTests(GovernanceApp app) : IClassFixture<GovernanceApp>
{
    [Fact]
    public async Task a_node_without_background_work_takes_commands_but_no_projection_or_lead()
    {
        await using var other = GovernanceNode.Beside(app);
        using var client = other.Client(GovernanceApp.AdminKey);
        using (var created = await client.PostAsJsonAsync("/api/v1/models", new { key = "requests-only", name = "R", description = "d", team = "r-team", taskType = "t" }))
        {
            created.StatusCode.ShouldBe(System.Net.HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        }

        using (var fired = await client.PostAsJsonAsync("/api/v1/alerts", new { rule = "requests-only-rule", model = "requests-only", severity = "SEV3", summary = "s" }))
        {
            fired.StatusCode.ShouldBe(System.Net.HttpStatusCode.Created, await fired.Content.ReadAsStringAsync());
        }

        var serving = app.Services.GetRequiredService<WolverineOptions>().UniqueNodeId;
        var requestsOnly = other.Services.GetRequiredService<WolverineOptions>().UniqueNodeId;
        (await ScalarAsync("SELECT count(*) FROM governance.wolverine_nodes WHERE id = $1", requestsOnly)).ShouldBe(1L, "the node is a member of the cluster");

        // The leader evaluates the assignments now that both nodes are there, instead of at its next tick.
        await app.Services.GetRequiredService<IWolverineRuntime>().Agents.KickstartHealthDetectionAsync();
        await app.WaitForAlertNoiseAsync();
        (await ScalarAsync("SELECT count(*) FROM governance.alert_noise WHERE rule = 'requests-only-rule'")).ShouldBe(1L);

        // Agents start a moment after the evaluation: watch for longer than one tick of the leader.
        for (var watched = System.Diagnostics.Stopwatch.StartNew(); watched.Elapsed < Core.Commands.Nodes.HealthCheckPollingTime * 1.5; await Task.Delay(100))
        {
            (await Cluster.NodesWithAssignmentsAsync(app.ConnectionString)).ShouldBe([serving]);
        }

        (await Cluster.OwnerAsync(app.ConnectionString, Alerts.AlertNoiseProjection.ProjectionName)).ShouldBe(serving);
    }

    private async Task<long> ScalarAsync(string sql, object? parameter = null)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        if (parameter is not null)
        {
            cmd.Parameters.Add(new() { Value = parameter });
        }

        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
