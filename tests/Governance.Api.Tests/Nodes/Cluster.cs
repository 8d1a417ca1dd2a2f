using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Governance.Api;
using Governance.Processes;
using Npgsql;

namespace Governance.Api.Tests.Nodes;

/// <summary>
/// Service processes sharing one database, and what that database says about them: which node Wolverine gave a
/// projection to (governance.wolverine_node_assignments) and how far the projection got (mt_event_progression).
/// </summary>
internal static class Cluster
{
    /// <summary>Starts <paramref name="count"/> service processes with background work on the database, in parallel.</summary>
    public static async Task<ServiceProcess[]> StartAsync(string connectionString, int count, string adminKey)
    {
        // Each node's start applies the schema; let the first finish, so the others find it in place.
        var first = await ServiceProcess.StartAsync(connectionString, CancellationToken.None, adminKey);
        var others = await Task.WhenAll(Enumerable.Range(1, count - 1).Select(_ => ServiceProcess.StartAsync(connectionString, CancellationToken.None, adminKey)));
        return [first, .. others];
    }

    /// <summary>The Wolverine node id a service process printed on start.</summary>
    public static async Task<Guid> NodeIdAsync(ServiceProcess service)
    {
        // The banner is printed once the server has started, which may be a moment after it first answers.
        for (var waited = Stopwatch.StartNew(); waited.Elapsed < TimeSpan.FromSeconds(10); await Task.Delay(50))
        {
            if (service.Output.FirstOrDefault(line => line.StartsWith(StartupBanner.NodeLinePrefix, StringComparison.Ordinal)) is { } line)
            {
                return Guid.Parse(line[StartupBanner.NodeLinePrefix.Length..].Split(',')[0]);
            }
        }

        throw new InvalidOperationException("The service did not print its node id:\n" + string.Join("\n", service.Output));
    }

    /// <summary>The node the leader assigned <paramref name="projection"/> to, or null while it is assigned to none.</summary>
    public static async Task<Guid?> OwnerAsync(string connectionString, string projection)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();

        // Agent URIs look like event-subscriptions://marten/main/<server>.<database>/alertnoiseprojection/all.
        await using var cmd = new NpgsqlCommand(
            "SELECT node_id FROM governance.wolverine_node_assignments WHERE id LIKE 'event-subscriptions://%' AND lower(id) LIKE '%/' || lower($1) || '/all'",
            connection);
        cmd.Parameters.Add(new() { Value = projection });
        return await cmd.ExecuteScalarAsync() as Guid?;
    }

    /// <summary>Every node that holds any assignment (projections, the leadership, the durability agent).</summary>
    public static async Task<List<Guid>> NodesWithAssignmentsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT DISTINCT node_id FROM governance.wolverine_node_assignments", connection);
        await using var reader = await cmd.ExecuteReaderAsync();
        var nodes = new List<Guid>();
        while (await reader.ReadAsync())
        {
            nodes.Add(reader.GetGuid(0));
        }

        return nodes;
    }

    /// <summary>Waits until <paramref name="condition"/> holds; returns how long that took, or throws after <paramref name="limit"/>.</summary>
    public static async Task<TimeSpan> WaitUntilAsync(Func<Task<bool>> condition, TimeSpan limit, string what)
    {
        var waited = Stopwatch.StartNew();
        while (!await condition())
        {
            if (waited.Elapsed > limit)
            {
                throw new TimeoutException($"{what}: not within {limit.TotalSeconds:0} s.");
            }

            await Task.Delay(100);
        }

        return waited.Elapsed;
    }

    /// <summary>POSTs JSON and insists on <paramref name="expected"/>; returns the body.</summary>
    public static async Task<string> PostAsync(HttpClient client, string url, object body, HttpStatusCode expected = HttpStatusCode.Created)
    {
        using var response = await client.PostAsJsonAsync(url, body);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(expected, $"POST {url}: {text}");
        return text;
    }
}
