using System.Net.Http.Json;
using System.Text.Json;
using Governance.Api.Alerts;
using Governance.Api.Core.Storage;
using Governance.Api.Tests.Harness;
using Governance.Api.Tests.Registry;
using Governance.Api.Slos;
using Governance.EventLog.Projections;
using JasperFx.Events.Projections;
using Marten;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using NodaTime.Text;
using Npgsql;

namespace Governance.Api.Tests.Operations;

/// <summary>
/// SLO status (governance.slo_breaches) and alert noise (governance.alert_noise) are written by Marten's daemon after
/// commit: under concurrent writers and rolled-back appends every event reaches them once, Marten's rebuild gives the
/// same rows, and the answers read from them say how fresh they are.
/// </summary>
public sealed class AsyncStatusTests(GovernanceApp app) : IClassFixture<GovernanceApp>
{
    [Fact]
    public async Task under_concurrent_writers_every_alert_and_breach_reaches_the_status_tables_once_and_a_rebuild_gives_the_same_rows()
    {
        app.Clock.Reset(GovernanceApp.Start);
        await app.RegisterModelAsync("burst-model", team: "burst-team");
        await app.DefineRotationAsync("burst-team", ["ana", "ben"]);
        var oncall = await app.CreatePrincipalAsync("burst-oncall", "oncall");

        // 16 writers on 4 dedup keys: racing firings of one key lose on the unique index and are retried (rolled-back
        // appends leave holes in the sequence), racing acknowledgements of one alert lose with a 409.
        var fired = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Task.WhenAll(Enumerable.Range(0, 16).Select(w => Task.Run(async () =>
        {
            using var client = app.Client();
            using var onCall = app.Client(oncall);
            for (var i = 0; i < 6; i++)
            {
                var body = new { rule = $"burst-rule-{w % 3}", model = "burst-model", severity = "SEV3", dedupKey = i % 2 == 0 ? $"burst-{(w + i) % 4}" : null, summary = "s" };
                using var response = await client.PostAsJsonAsync("/api/v1/alerts", body);
                ((int)response.StatusCode).ShouldBeOneOf([200, 201, 409], string.Join("\n", app.ServerErrors.Entries.TakeLast(2)));
                if ((int)response.StatusCode == 409)
                {
                    continue; // the open alert of the key was resolved under it three times running
                }

                var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
                fired.Add(id);
                if (i % 3 == 1)
                {
                    using var ack = await onCall.PostAsJsonAsync($"/api/v1/alerts/{id}/acknowledgement", new { actionable = w % 2 == 0 });
                    ((int)ack.StatusCode).ShouldBeOneOf(200, 409);
                }
                else if (i == 5 && w % 4 == 0)
                {
                    using var escalation = await onCall.PostAsJsonAsync($"/api/v1/alerts/{id}/escalation", new { severity = "SEV3" });
                    ((int)escalation.StatusCode).ShouldBeOneOf(201, 409);
                }
                else if (i % 3 == 2)
                {
                    using var resolution = await client.PostAsJsonAsync($"/api/v1/alerts/{id}/resolution", new { note = "gone" });
                    ((int)resolution.StatusCode).ShouldBeOneOf(200, 409);
                }
            }
        })));

        // One SLO breaches and recovers, then another breaches (and stays breached: the clock stays put from then on, so
        // the operations timer's passes find it breaching too).
        var recovering = await BreachAsync("burst-model");
        app.Clock.Advance(Duration.FromHours(7));
        await IngestAsync(recovering, Buckets(GovernanceApp.Start, GovernanceApp.Start + Duration.FromHours(7), 0));
        var breached = await BreachAsync("burst-model");

        await app.WaitForAlertNoiseAsync();
        await app.WaitForSloStatusAsync();

        // What the log says, alert by alert: the noise row agrees with the alert's own stream.
        var alerts = await RowsAsync("SELECT alert_id, rule, acknowledged_at IS NOT NULL, actionable FROM governance.alert_noise ORDER BY alert_id COLLATE \"C\"");
        alerts.Select(a => (string)a[0]!).ShouldBe(fired.Distinct().Order(StringComparer.Ordinal));
        foreach (var row in alerts)
        {
            var alert = (await app.Scenario(s => s.Get.Url($"/api/v1/alerts/{row[0]}").StatusCodeShouldBe(200))).Json;
            var escalated = alert.GetProperty("status").GetString() == "escalated";
            var acknowledged = alert.TryGetProperty("acknowledgedAt", out var at) && at.ValueKind != JsonValueKind.Null;
            bool? actionable = alert.TryGetProperty("actionable", out var said) && said.ValueKind != JsonValueKind.Null ? said.GetBoolean() : null;
            row[1].ShouldBe(alert.GetProperty("rule").GetString(), (string?)row[0]);
            row[2].ShouldBe(acknowledged || escalated, (string?)row[0]);
            row[3].ShouldBe(actionable ?? (escalated ? true : null), (string?)row[0]);
        }

        (await RowsAsync("SELECT slo_id, recovered_at IS NULL FROM governance.slo_breaches ORDER BY recovered_at IS NULL"))
            .Select(r => $"{r[0]} active={r[1]}").ShouldBe([$"{recovering} active=False", $"{breached} active=True"]);

        // The same rows from a replay of the whole log: each event was applied once, in order, by the daemon.
        var incremental = await SnapshotAsync();
        var rebuilt = await app.Services.GetRequiredService<MartenProjectionRebuild>().RunAsync();
        rebuilt.Select(r => r.Name).ShouldContain("AlertNoiseProjection");
        rebuilt.Select(r => r.Name).ShouldContain("SloStatusProjection");
        (await SnapshotAsync()).ShouldBe(incremental);
        app.Clock.Reset(GovernanceApp.Start);
    }

    [Fact]
    public async Task the_shift_report_and_the_noise_report_say_they_are_current_once_the_daemon_has_caught_up()
    {
        app.Clock.Reset(GovernanceApp.Start);
        await app.RegisterModelAsync("fresh-model", team: "fresh-team");
        await app.DefineRotationAsync("fresh-team", ["ana", "ben"]);
        await app.FireAlertAsync("fresh-rule", "fresh-model");
        app.Clock.Advance(Duration.FromMinutes(3));
        await app.WaitForAlertNoiseAsync();
        await app.WaitForSloStatusAsync();

        var now = InstantPattern.ExtendedIso.Format(app.Clock.GetCurrentInstant());
        var noise = await app.Scenario(s => s.Get.Url("/api/v1/alerts/noise").StatusCodeShouldBe(200).HeaderShouldBe(ProjectionAsOf.Header, now));
        noise.Json.EnumerateArray().Single(r => r.GetProperty("rule").GetString() == "fresh-rule").GetProperty("fired").GetInt64().ShouldBe(1);
        var report = await app.Scenario(s => s.Get.Url("/api/v1/teams/fresh-team/shift-report").StatusCodeShouldBe(200).HeaderShouldBe(ProjectionAsOf.Header, now));
        report.Json.GetProperty("alerts").GetProperty("byRule").EnumerateArray().Single().GetProperty("rule").GetString().ShouldBe("fresh-rule");
        app.Clock.Reset(GovernanceApp.Start);
    }

    [Fact]
    public void the_daemon_loads_for_a_queued_sql_read_model_only_the_event_types_it_follows()
    {
        // Evaluations are most of a busy log; the alert noise and SLO status read models never look at one, so the
        // daemon must not read and deserialize them again for those two (their rows are checked against the log above).
        var options = (StoreOptions)app.Services.GetRequiredService<IDocumentStore>().Options;
        ProjectionBase Registered(string name) => options.Projections.All.OfType<ProjectionBase>().Single(p => p.Name == name);

        Registered(AlertNoiseProjection.ProjectionName).IncludedEventTypes
            .ShouldBe([typeof(AlertFired), typeof(AlertAcknowledged), typeof(AlertEscalated)], ignoreOrder: true);
        Registered(SloStatusProjection.ProjectionName).IncludedEventTypes
            .ShouldBe([typeof(SloBreached), typeof(SloRecovered)], ignoreOrder: true);
    }

    private async Task<string> BreachAsync(string model)
    {
        var now = app.Clock.GetCurrentInstant();
        var created = await app.Scenario(s => s.Post.Json(new { name = "Accuracy", model, stage = "production", objective = 0.99, window = "P28D", description = "d" })
            .ToUrl("/api/v1/slos").StatusCodeShouldBe(201));
        var id = created.Json.GetProperty("id").GetString()!;
        await IngestAsync(id, Buckets(now - Duration.FromHours(6), now - Duration.FromMinutes(30), 0));
        (await IngestAsync(id, Buckets(now - Duration.FromMinutes(30), now, 0.5))).Json.GetProperty("breaching").GetBoolean().ShouldBeTrue();
        return id;
    }

    private Task<IScenarioResult> IngestAsync(string id, object[] buckets) =>
        app.Scenario(s => s.Post.Json(buckets).ToUrl($"/api/v1/slos/{id}/measurements").StatusCodeShouldBe(202));

    private static object[] Buckets(Instant from, Instant to, double errorRate)
    {
        var list = new List<object>();
        for (var t = from; t < to; t += Duration.FromMinutes(5))
        {
            list.Add(new
            {
                from = InstantPattern.ExtendedIso.Format(t), to = InstantPattern.ExtendedIso.Format(t + Duration.FromMinutes(5)),
                good = 100 - (int)Math.Round(errorRate * 100), total = 100,
            });
        }

        return [.. list];
    }

    private async Task<List<string>> SnapshotAsync()
    {
        var rows = new List<string>();
        foreach (var table in new[] { "governance.alert_noise", "governance.slo_breaches" })
        {
            rows.AddRange((await RowsAsync($"SELECT to_jsonb(t)::text FROM {table} t ORDER BY 1")).Select(r => $"{table} {r[0]}"));
        }

        return rows;
    }

    private async Task<List<object?[]>> RowsAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }
}

/// <summary>A node that runs no background work: its async projections apply nothing until someone rebuilds them.</summary>
public sealed class DaemonlessApp : GovernanceApp
{
    /// <inheritdoc />
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Governance:RunDaemon", "false");
    }
}

/// <summary>With no daemon running, the answers say how old they are, and a rebuild brings them up to date.</summary>
public sealed class StaleStatusTests(DaemonlessApp app) : IClassFixture<DaemonlessApp>
{
    [Fact]
    public async Task a_noise_report_the_daemon_has_not_caught_up_with_says_from_when_it_is()
    {
        app.Clock.Reset(GovernanceApp.Start);
        await app.RegisterModelAsync("stale-model", team: "stale-team");
        app.Clock.Advance(Duration.FromMinutes(5));
        await app.FireAlertAsync("stale-rule", "stale-model");
        app.Clock.Advance(Duration.FromHours(1));

        // Nothing of the log is applied: the answer is as of the log's first event, and it does not show the alert.
        string firstEvent;
        await using (var connection = new NpgsqlConnection(app.ConnectionString))
        {
            await connection.OpenAsync();
            await using var cmd = new NpgsqlCommand("SELECT timestamp FROM governance.mt_events ORDER BY seq_id LIMIT 1", connection);
            firstEvent = InstantPattern.ExtendedIso.Format(await cmd.ExecuteScalarAsync() switch
            {
                Instant at => at,
                DateTime at => Instant.FromDateTimeUtc(DateTime.SpecifyKind(at, DateTimeKind.Utc)),
                var other => throw new InvalidOperationException($"A timestamp was expected, not {other}."),
            });
        }

        var stale = await app.Scenario(s => s.Get.Url("/api/v1/alerts/noise").StatusCodeShouldBe(200).HeaderShouldBe(ProjectionAsOf.Header, firstEvent));
        stale.Json.EnumerateArray().Select(r => r.GetProperty("rule").GetString()).ShouldNotContain("stale-rule");

        await app.Services.GetRequiredService<MartenProjectionRebuild>().RunAsync();

        var now = InstantPattern.ExtendedIso.Format(app.Clock.GetCurrentInstant());
        var current = await app.Scenario(s => s.Get.Url("/api/v1/alerts/noise").StatusCodeShouldBe(200).HeaderShouldBe(ProjectionAsOf.Header, now));
        current.Json.EnumerateArray().Single(r => r.GetProperty("rule").GetString() == "stale-rule").GetProperty("fired").GetInt64().ShouldBe(1);
    }
}
