using System.Net.Http.Json;
using Governance.Api.Tests.Harness;
using Governance.Api.Tests.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NodaTime;
using NodaTime.Testing;
using Npgsql;

namespace Governance.Api.Tests.Webhooks;

/// <summary>The service stops in the middle of retries; the next one on the same database finishes them.</summary>
public sealed class WebhookRestartTests
{
    [Fact]
    public async Task a_restart_in_the_middle_of_retries_loses_nothing_and_keeps_the_webhook_id()
    {
        var connectionString = await TestDatabase.CreateAsync();
        var clock = new FakeClock(GovernanceApp.Start);
        await using var receiver = new WebhookReceiver();
        receiver.Answer = _ => 503;
        await receiver.StartAsync();
        try
        {
            string secret;
            string firstId;
            using (var first = new WebhookNode(connectionString, clock))
            {
                using var client = first.Client();
                using var created = await client.PostAsJsonAsync("/api/v1/webhooks", new { url = receiver.Url, events = new[] { "knowledge_note_added" } });
                await Ok(created);
                secret = (await created.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("secret").GetString()!;
                await Ok(await client.PostAsJsonAsync("/api/v1/models", new
                {
                    key = "restart-model", name = "Restart", description = "d", team = "restart-team", taskType = "binary-classification", kpis = new[] { "chargeback-rate" },
                }));
                for (var i = 1; i <= 3; i++)
                {
                    await Ok(await client.PostAsJsonAsync("/api/v1/models/restart-model/notes", new { title = $"n{i}", body = "b" }));
                }

                // The first note failed once; its retry (and the two notes behind it) wait in PostgreSQL when the node stops.
                await receiver.WaitForAsync(r => r.Count >= 1);
                firstId = receiver.Requests.First().Id;
            }

            var failedBefore = receiver.Requests.Count;
            receiver.Answer = _ => 200;
            using (var second = new WebhookNode(connectionString, clock))
            {
                _ = second.Server;
                await receiver.WaitForAsync(r => r.Count(x => x.AnsweredWith == 200) >= 3, TimeSpan.FromSeconds(60));

                // The receiver has the last request before the node has recorded its answer.
                await Cluster.WaitUntilAsync(async () => await DeliveredAsync(connectionString) >= 3, TimeSpan.FromSeconds(30), "three deliveries recorded as delivered");
            }

            var delivered = receiver.Requests.Where(r => r.AnsweredWith == 200).ToList();
            delivered[0].Id.ShouldBe(firstId);
            delivered.Select(r => r.Version).ShouldBe([2L, 3L, 4L]);
            receiver.Requests.Take(failedBefore).ShouldAllBe(r => r.Id == firstId);
            receiver.Requests.ShouldAllBe(r => WebhookReceiver.SignaturesMadeWith(r, secret) == 1);
            (await DeliveredAsync(connectionString)).ShouldBe(3L);
        }
        finally
        {
            await TestDatabase.DropAsync(connectionString);
        }
    }

    private static async Task<long> DeliveredAsync(string connectionString)
    {
        await using var db = NpgsqlDataSource.Create(connectionString);
        await using var cmd = db.CreateCommand("SELECT count(*) FROM governance.webhook_deliveries WHERE status = 'delivered'");
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    private static async Task Ok(HttpResponseMessage response)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>A node of the service with the daemon on, loopback targets allowed and a first retry after 3 s.</summary>
    private sealed class WebhookNode(string connectionString, IClock clock) : WebApplicationFactory<Program>
    {
        public HttpClient Client()
        {
            var client = CreateClient();
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", GovernanceApp.AdminKey);
            return client;
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseSetting("ConnectionStrings:Governance", connectionString);
            builder.UseSetting("GOVERNANCE_ADMIN_KEY", GovernanceApp.AdminKey);
            builder.UseSetting("Governance:DaemonPollIntervalMs", "50");
            builder.UseSetting("Governance:DataDirectory", Path.Combine(Path.GetTempPath(), "governance-api-tests-data"));
            builder.UseSetting("Governance:Webhooks:AllowPrivateNetworks", "true");
            builder.UseSetting("Governance:Webhooks:RetrySchedule", "00:00:03,00:00:01,00:00:01,00:00:01,00:00:01");
            builder.UseEnvironment("Testing");
            builder.ConfigureServices(services =>
            {
                services.RemoveAll<IClock>();
                services.AddSingleton(clock);
            });
        }
    }
}
