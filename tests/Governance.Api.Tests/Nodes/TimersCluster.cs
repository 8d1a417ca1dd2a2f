using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Governance.Api.Tests.Harness;
using Governance.Processes;

namespace Governance.Api.Tests.Nodes;

/// <summary>
/// Two real service processes on one PostgreSQL for the ack-deadline timer tests, with one team whose SEV1s must be
/// acknowledged within a minute (the shortest policy the service accepts).
/// </summary>
internal sealed class TimersCluster : IAsyncDisposable
{
    public const string Team = "timers-team";
    public const string Model = "timers-model";

    private TimersCluster(string connectionString, ServiceProcess a, ServiceProcess b)
    {
        ConnectionString = connectionString;
        A = a;
        B = b;
    }

    public string ConnectionString { get; }

    public ServiceProcess A { get; }

    public ServiceProcess B { get; }

    /// <summary>Starts node A then node B (A migrates the database first) and puts the team, its rotation and a model in place.</summary>
    public static async Task<TimersCluster> StartAsync(int operationsIntervalSeconds)
    {
        var connectionString = await TestDatabase.CreateAsync();
        var key = "gov_timers-admin-" + Guid.NewGuid().ToString("N");
        var environment = new Dictionary<string, string?> { ["Governance__OperationsIntervalSeconds"] = operationsIntervalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        var a = await ServiceProcess.StartAsync(connectionString, CancellationToken.None, key, environment);
        var b = await ServiceProcess.StartAsync(connectionString, CancellationToken.None, key, environment);
        var cluster = new TimersCluster(connectionString, a, b);
        using var client = a.CreateClient();
        foreach (var name in new[] { "ana", "ben" })
        {
            await PostAsync(client, "/api/v1/principals", new { name, roles = new[] { GovernanceApp.Role.OnCall } });
        }

        using var rotation = await client.PutAsJsonAsync($"/api/v1/teams/{Team}/rotation", new
        {
            timeZone = "UTC", handoffDay = "Monday", handoffTime = "10:00", shiftLength = "P7D", members = new[] { "ana", "ben" },
            startsOn = "2026-11-23", ackDeadlines = new Dictionary<string, string> { ["SEV1"] = "PT1M" },
        });
        rotation.StatusCode.ShouldBe(HttpStatusCode.OK, await rotation.Content.ReadAsStringAsync());
        await PostAsync(client, "/api/v1/models", new { key = Model, name = "Timers", description = "d", team = Team, taskType = "classification" });
        return cluster;
    }

    /// <summary>Opens a SEV1 through <paramref name="node"/>; returns its id and ack deadline.</summary>
    public static async Task<(string Id, DateTimeOffset Deadline)> OpenSev1Async(ServiceProcess node)
    {
        using var client = node.CreateClient();
        var opened = await PostAsync(client, "/api/v1/incidents", new { model = Model, severity = "SEV1", title = "Scores drifted", source = "user-report" });
        return (opened.GetProperty("id").GetString()!, opened.GetProperty("ackDeadline").GetDateTimeOffset());
    }

    /// <summary>The incident's escalation events, read through <paramref name="node"/>.</summary>
    public static async Task<IReadOnlyList<JsonElement>> EscalationsAsync(ServiceProcess node, string id)
    {
        using var client = node.CreateClient();
        var stream = await client.GetFromJsonAsync<JsonElement>($"/api/v1/streams/incident-{id}/events");
        return [.. stream.GetProperty("events").EnumerateArray().Where(e => e.GetProperty("type").GetString() == "incident_escalated")];
    }

    /// <summary>Waits (at most <paramref name="patience"/>) until every incident has escalated, reading through <paramref name="node"/>.</summary>
    public static async Task WaitUntilEscalatedAsync(ServiceProcess node, IEnumerable<string> ids, TimeSpan patience)
    {
        var until = DateTimeOffset.UtcNow + patience;
        foreach (var id in ids)
        {
            while ((await EscalationsAsync(node, id)).Count == 0)
            {
                DateTimeOffset.UtcNow.ShouldBeLessThan(until, $"incident {id} did not escalate in time");
                await Task.Delay(500);
            }
        }
    }

    public static async Task<JsonElement> PostAsync(HttpClient client, string url, object body)
    {
        using var response = await client.PostAsJsonAsync(url, body);
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBeInRange(200, 201, text);
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
        await TestDatabase.DropAsync(ConnectionString);
    }
}
