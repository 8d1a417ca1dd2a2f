using Governance.Api.Tests.Harness;
using Governance.Api.Tests.Nodes;
using Governance.Processes;
using Npgsql;

namespace Governance.Api.Tests.Webhooks;

/// <summary>
/// A real service process is SIGKILLed while its deliveries are in flight (the receiver holds every request open), and a
/// new node on the same database finishes the job: every event reaches the receiver at least once, a repeat carries the
/// same <c>webhook-id</c> and body, and each stream's events arrive in order.
/// </summary>
public sealed class WebhookNodeDeathTests
{
    private const string AdminKey = "gov_webhook-death-admin-key-0123456789abcdefghij";
    private const int Models = 3;
    private const int NotesPerModel = 4;

    [Fact]
    public async Task a_node_killed_mid_delivery_loses_nothing()
    {
        var connectionString = await TestDatabase.CreateAsync();
        using var held = new ManualResetEventSlim(false);
        await using var receiver = new WebhookReceiver();

        // Requests stay open until the node that sent them is dead: its attempts are in flight when it is killed.
        receiver.Answer = _ =>
        {
            held.Wait(TimeSpan.FromSeconds(60));
            return 200;
        };
        await receiver.StartAsync();
        var environment = new Dictionary<string, string?>
        {
            ["Governance__Webhooks__AllowPrivateNetworks"] = "true",
            ["Governance__Webhooks__TimeoutSeconds"] = "5",
            ["Governance__Webhooks__RetrySchedule"] = "00:00:01,00:00:01,00:00:01,00:00:01,00:00:01",
            ["Governance__DaemonPollIntervalMs"] = "50",
        };
        ServiceProcess? second = null;
        try
        {
            string secret;
            await using (var first = await ServiceProcess.StartAsync(connectionString, CancellationToken.None, AdminKey, environment))
            {
                using var client = first.CreateClient();
                var created = await Cluster.PostAsync(client, "/api/v1/webhooks", new { url = receiver.Url, events = new[] { "knowledge_note_added" } });
                secret = System.Text.Json.JsonDocument.Parse(created).RootElement.GetProperty("secret").GetString()!;
                for (var m = 0; m < Models; m++)
                {
                    await Cluster.PostAsync(client, "/api/v1/models", new
                    {
                        key = $"death-{m}", name = $"Death {m}", description = "d", team = "death-team", taskType = "binary-classification", kpis = new[] { "loss" },
                    });
                }

                for (var n = 0; n < NotesPerModel; n++)
                {
                    for (var m = 0; m < Models; m++)
                    {
                        await Cluster.PostAsync(client, $"/api/v1/models/death-{m}/notes", new { title = $"note {n}", body = "b" });
                    }
                }

                // One attempt per stream is in flight (each stream's queue waits behind its first event).
                await receiver.WaitForAsync(r => r.Select(x => x.StreamId).Distinct().Count() == Models, TimeSpan.FromSeconds(60));
                await first.KillAsync();
            }

            var inFlight = receiver.Requests.ToList();
            held.Set();
            second = await ServiceProcess.StartAsync(connectionString, CancellationToken.None, AdminKey, environment);
            var inFlightIds = inFlight.Select(r => r.Id).ToHashSet();
            await receiver.WaitForAsync(
                r => r.Select(x => x.Id).Distinct().Count() == Models * NotesPerModel && r.Skip(inFlight.Count).Select(x => x.Id).ToHashSet().IsSupersetOf(inFlightIds),
                TimeSpan.FromSeconds(120),
                () => string.Join("\n", second?.Output.TakeLast(20) ?? []));
            await Cluster.WaitUntilAsync(
                async () => await CountAsync(connectionString, "SELECT count(*) FROM governance.webhook_deliveries WHERE status = 'delivered'") == Models * NotesPerModel,
                TimeSpan.FromSeconds(30), "every delivery recorded as delivered");

            var received = receiver.Requests.ToList();
            var expected = await EventIdsAsync(connectionString);
            expected.Count.ShouldBe(Models * NotesPerModel);
            received.Select(r => r.Id).ToHashSet().SetEquals(expected).ShouldBeTrue("every event reached the receiver");
            received.ShouldAllBe(r => WebhookReceiver.SignaturesMadeWith(r, secret) == 1);

            // What was in flight when the node died was sent again, under the same webhook-id and with the same body.
            foreach (var attempt in inFlight)
            {
                var again = received.Skip(inFlight.Count).Where(r => r.Id == attempt.Id).ToList();
                again.ShouldNotBeEmpty($"{attempt.Id} was in flight when the node died and must be sent again");
                again.ShouldAllBe(r => r.Body == attempt.Body);
            }

            // Order per stream: a stream's events go out one at a time, so a repeat never jumps ahead of what followed.
            foreach (var stream in received.GroupBy(r => r.StreamId))
            {
                var versions = stream.Select(r => r.Version).ToList();
                versions.ShouldBe(versions.Order().ToList(), $"{stream.Key} arrived out of order: {string.Join(", ", versions)}");
                versions.Distinct().Count().ShouldBe(NotesPerModel);
            }
        }
        finally
        {
            held.Set();
            if (second is not null)
            {
                await second.DisposeAsync();
            }

            await TestDatabase.DropAsync(connectionString);
        }
    }

    private static async Task<long> CountAsync(string connectionString, string sql)
    {
        await using var db = NpgsqlDataSource.Create(connectionString);
        await using var cmd = db.CreateCommand(sql);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    private static async Task<HashSet<string>> EventIdsAsync(string connectionString)
    {
        await using var db = NpgsqlDataSource.Create(connectionString);
        await using var cmd = db.CreateCommand("SELECT id::text FROM governance.mt_events WHERE type = 'knowledge_note_added'");
        await using var reader = await cmd.ExecuteReaderAsync();
        var ids = new HashSet<string>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }
}
