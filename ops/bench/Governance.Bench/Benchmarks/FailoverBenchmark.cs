using System.Diagnostics;
using System.Net;
using System.Text;
using Governance.Api;
using Governance.Api.Alerts;
using Governance.Api.Core.Commands;
using Governance.Processes;
using Npgsql;

namespace Governance.Bench.Benchmarks;

/// <summary>
/// Two service processes on one database; Wolverine runs the alert-noise projection on one of them. Under a trickle of
/// alerts (through the other node), the one running the projection is SIGKILLed: seconds from the kill until the
/// projection's progress moves again, now on the survivor (DESIGN §9: <c>failover_s</c> &lt; 30). Wolverine only moves
/// the projection once the dead node's heartbeat is older than its stale-node timeout, so that timeout plus one health
/// check is the floor.
/// </summary>
public sealed class FailoverBenchmark : IBenchmark
{
    private const int AlertsPerSecond = 10;
    private const string AdminKey = "gov_bench-failover-admin-0123456789abcdefghijklmn";

    /// <inheritdoc />
    public string Name => "failover";

    /// <inheritdoc />
    public string Description => "seconds from SIGKILL of the node running a projection until it moves again on the other node (target < 30)";

    /// <inheritdoc />
    public async Task RunAsync(BenchContext context, CancellationToken ct)
    {
        var connectionString = await context.CreateServiceDatabaseAsync(Name, ct);
        BenchContext.Log("failover: starting two service processes on one database");
        var nodes = new[]
        {
            await ServiceProcess.StartAsync(connectionString, ct, AdminKey),
            await ServiceProcess.StartAsync(connectionString, ct, AdminKey),
        };
        try
        {
            using var seed = nodes[0].CreateClient();
            await PostAsync(seed, "/api/v1/models", """{"key":"failover-bench","name":"n","team":"bench-team","taskType":"t"}""", ct);
            await PostAsync(seed, "/api/v1/alerts", """{"rule":"warm-up","model":"failover-bench","severity":"SEV3","summary":"s"}""", ct);

            var ids = new[] { NodeId(nodes[0]), NodeId(nodes[1]) };
            Guid? owner = null;
            var assigned = Stopwatch.StartNew();
            while ((owner = await OwnerAsync(connectionString, ct)) is null || !ids.Contains(owner.Value))
            {
                if (assigned.Elapsed > TimeSpan.FromSeconds(60))
                {
                    throw new TimeoutException("The alert-noise projection was not assigned to either node in 60 s.");
                }

                await Task.Delay(100, ct);
            }

            var victimIndex = Array.IndexOf(ids, owner.Value);
            var victim = nodes[victimIndex];
            var survivor = nodes[1 - victimIndex];
            var victimLed = await LeaderAsync(connectionString, ct) == owner.Value;
            BenchContext.Log($"failover: the projection runs on node {owner} ({(victimLed ? "the leader" : "not the leader")}); trickling {AlertsPerSecond} alerts/s through the other");

            using var trickleStop = new CancellationTokenSource();
            using var client = survivor.CreateClient();
            var sent = 0;
            var trickle = Task.Run(async () =>
            {
                using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / AlertsPerSecond));
                while (await timer.WaitForNextTickAsync(trickleStop.Token).ConfigureAwait(false))
                {
                    await PostAsync(client, "/api/v1/alerts", $$"""{"rule":"trickle-{{sent++}}","model":"failover-bench","severity":"SEV3","summary":"s"}""", trickleStop.Token);
                }
            }, CancellationToken.None);

            // Steady state first, so the figure is about the failover and not about a cold projection.
            await Task.Delay(TimeSpan.FromSeconds(3), ct);
            var progressBefore = await ProgressAsync(connectionString, ct);

            var sinceKill = Stopwatch.StartNew();
            await victim.KillAsync();
            var progressAtKill = await ProgressAsync(connectionString, ct);
            TimeSpan? reassigned = null;
            while (await ProgressAsync(connectionString, ct) <= progressAtKill)
            {
                if (reassigned is null && await OwnerAsync(connectionString, ct) == ids[1 - victimIndex])
                {
                    reassigned = sinceKill.Elapsed;
                }

                if (sinceKill.Elapsed > TimeSpan.FromSeconds(120))
                {
                    throw new TimeoutException("The projection did not move again within 120 s of the kill.");
                }

                await Task.Delay(50, ct);
            }

            var failover = sinceKill.Elapsed;
            reassigned ??= failover;

            // And caught up with what was written meanwhile.
            var target = await HighWaterMarkAsync(connectionString, ct);
            while (await ProgressAsync(connectionString, ct) < target)
            {
                await Task.Delay(50, ct);
            }

            var caughtUp = sinceKill.Elapsed;
            await trickleStop.CancelAsync();
            try
            {
                await trickle;
            }
            catch (OperationCanceledException)
            {
            }

            context.Report("failover_s", failover.TotalSeconds, 1);
            context.Report("reassigned_s", reassigned.Value.TotalSeconds, 1);
            context.Report("caught_up_s", caughtUp.TotalSeconds, 1);
            context.Report("victim_was_leader", victimLed ? "true" : "false");
            context.Report("trickle_alerts_per_s", AlertsPerSecond);
            context.Report("alerts_sent", sent);
            context.Report("progress_before_kill", progressBefore);
            context.Report("health_check_polling_s", Nodes.HealthCheckPollingTime.TotalSeconds, 1);
            context.Report("stale_node_timeout_s", Nodes.StaleNodeTimeout.TotalSeconds, 1);
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    private static Guid NodeId(ServiceProcess service)
    {
        for (var waited = Stopwatch.StartNew(); waited.Elapsed < TimeSpan.FromSeconds(10); Thread.Sleep(50))
        {
            if (service.Output.FirstOrDefault(line => line.StartsWith(StartupBanner.NodeLinePrefix, StringComparison.Ordinal)) is { } line)
            {
                return Guid.Parse(line[StartupBanner.NodeLinePrefix.Length..].Split(',')[0]);
            }
        }

        throw new InvalidOperationException("The service did not print its node id.");
    }

    private static async Task<Guid?> OwnerAsync(string connectionString, CancellationToken ct) =>
        await ScalarAsync(connectionString,
            "SELECT node_id FROM governance.wolverine_node_assignments WHERE id LIKE 'event-subscriptions://%' AND lower(id) LIKE '%/' || lower($1) || '/all'",
            AlertNoiseProjection.ProjectionName, ct) as Guid?;

    private static async Task<Guid?> LeaderAsync(string connectionString, CancellationToken ct) =>
        await ScalarAsync(connectionString, "SELECT node_id FROM governance.wolverine_node_assignments WHERE id = $1", "wolverine://leader", ct) as Guid?;

    private static async Task<long> ProgressAsync(string connectionString, CancellationToken ct) =>
        Convert.ToInt64(await ScalarAsync(connectionString,
            "SELECT coalesce(max(last_seq_id), 0) FROM governance.mt_event_progression WHERE name = $1 || ':All'", AlertNoiseProjection.ProjectionName, ct),
            System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<long> HighWaterMarkAsync(string connectionString, CancellationToken ct) =>
        Convert.ToInt64(await ScalarAsync(connectionString, "SELECT coalesce(max(seq_id), 0) FROM governance.mt_events", null, ct),
            System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<object?> ScalarAsync(string connectionString, string sql, string? parameter, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand(sql, connection);
        if (parameter is not null)
        {
            cmd.Parameters.Add(new() { Value = parameter });
        }

        return await cmd.ExecuteScalarAsync(ct);
    }

    private static async Task PostAsync(HttpClient client, string url, string json, CancellationToken ct)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(url, content, ct);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"POST {url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
        }
    }
}
