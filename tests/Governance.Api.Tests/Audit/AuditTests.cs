using System.Text.Json;
using Governance.Api.Tests.Harness;
using Governance.Api.Tests.Registry;

namespace Governance.Api.Tests.Audit;

/// <summary>The audit endpoints: filtered, paged, stable under concurrent writes, and able to prove the log untouched.</summary>
public sealed class AuditTests(GovernanceApp app) : IClassFixture<GovernanceApp>
{
    [Fact]
    public async Task events_can_be_filtered_by_actor_and_type()
    {
        var auditor = await app.CreatePrincipalAsync("audit-admin", "admin");
        using (var client = app.Client(auditor))
        {
            await client.PostAsync("/api/v1/principals", Json(new { name = "audit-nina", roles = new[] { "viewer" } }));
        }

        // The feed shows events once no older transaction can still commit before them; poll briefly for that.
        var events = await Eventually(async () =>
        {
            var page = await app.Scenario(s => s.Get.Url("/api/v1/audit/events?actor=audit-admin&type=principal_created").StatusCodeShouldBe(200));
            return page.Json.GetProperty("events").EnumerateArray().ToList();
        }, e => e.Count > 0);
        events.Count.ShouldBe(1);
        events[0].GetProperty("streamId").GetString().ShouldBe("principal-audit-nina");
        events[0].GetProperty("metadata").GetProperty("actor").GetString().ShouldBe("audit-admin");
    }

    [Fact]
    public async Task events_can_be_filtered_by_time()
    {
        // recorded_at comes from the service's clock, so the fake clock places the event in time.
        app.Clock.Reset(NodaTime.Instant.FromUtc(2027, 1, 15, 12, 0));
        await app.CreatePrincipalAsync("audit-oscar", "viewer");
        app.Clock.Reset(GovernanceApp.Start);

        var recent = await Eventually(async () =>
        {
            var page = await app.Scenario(s => s.Get.Url("/api/v1/audit/events?from=2027-01-15T11:59:59Z&limit=1000").StatusCodeShouldBe(200));
            return page.Json.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("streamId").GetString()).ToList();
        }, ids => ids.Contains("principal-audit-oscar"));
        recent.ShouldBe(["principal-audit-oscar"]);

        var before = await app.Scenario(s => s.Get.Url("/api/v1/audit/events?to=2027-01-15T11:59:59Z&limit=1000").StatusCodeShouldBe(200));
        before.Json.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("streamId").GetString()).ShouldNotContain("principal-audit-oscar");
        var stream = await app.Scenario(s => s.Get.Url("/api/v1/streams/principal-audit-oscar/events").StatusCodeShouldBe(200));
        stream.Json.GetProperty("events")[0].GetProperty("recordedAt").GetString().ShouldBe("2027-01-15T12:00:00Z");
    }

    [Fact]
    public async Task paging_with_the_cursor_sees_every_event_once_while_others_write()
    {
        for (var i = 0; i < 10; i++)
        {
            await app.CreatePrincipalAsync($"page-early-{i}", "viewer");
        }

        using var writerClient = app.Client();
        var writing = Task.Run(async () =>
        {
            for (var i = 0; i < 30; i++)
            {
                using var response = await writerClient.PostAsync("/api/v1/principals", Json(new { name = $"page-late-{i}", roles = new[] { "viewer" } }));
                response.EnsureSuccessStatusCode();
            }
        });

        var seen = new List<long>();
        string? cursor = null;
        using var reader = app.Client();
        for (var rounds = 0; rounds < 500; rounds++)
        {
            var url = "/api/v1/audit/events?limit=3" + (cursor is null ? "" : $"&after={cursor}");
            using var response = await reader.GetAsync(url);
            using var page = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var events = page.RootElement.GetProperty("events").EnumerateArray().ToList();
            seen.AddRange(events.Select(e => e.GetProperty("seq").GetInt64()));
            cursor = page.RootElement.GetProperty("next").GetString() ?? cursor;
            if (events.Count == 0 && writing.IsCompleted)
            {
                break;
            }
        }

        await writing;
        var total = await app.EventCountAsync();
        for (var rounds = 0; rounds < 200 && seen.Count < total; rounds++)
        {
            using var all = await reader.GetAsync($"/api/v1/audit/events?limit=1000&after={cursor}");
            using var rest = JsonDocument.Parse(await all.Content.ReadAsStringAsync());
            seen.AddRange(rest.RootElement.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("seq").GetInt64()));
            cursor = rest.RootElement.GetProperty("next").GetString() ?? cursor;
            await Task.Delay(25);
        }

        seen.Count.ShouldBe(seen.Distinct().Count(), "an event was returned twice");
        seen.Count.ShouldBe((int)await app.EventCountAsync(), "an event was skipped");
    }

    [Fact]
    public async Task an_untouched_log_verifies_and_a_tampered_one_does_not()
    {
        await app.CreatePrincipalAsync("tamper-pat", "viewer");
        var clean = await app.Scenario(s => s.Get.Url("/api/v1/audit/verify").StatusCodeShouldBe(200));
        clean.Json.GetProperty("verified").GetBoolean().ShouldBeTrue();
        clean.Json.GetProperty("events").GetInt64().ShouldBe(await app.EventCountAsync());

        await app.ExecuteSqlAsync("""
            ALTER TABLE governance.mt_events DISABLE TRIGGER log_no_update;
            UPDATE governance.mt_events SET data = jsonb_set(data, '{roles}', '["admin"]') WHERE stream_id = 'principal-tamper-pat';
            ALTER TABLE governance.mt_events ENABLE TRIGGER log_no_update;
            """);

        var tampered = await app.Scenario(s => s.Get.Url("/api/v1/audit/verify").StatusCodeShouldBe(200));
        tampered.Json.GetProperty("verified").GetBoolean().ShouldBeFalse();
        tampered.Json.GetProperty("broken").EnumerateArray().Select(b => b.GetProperty("streamId").GetString()).ShouldContain("principal-tamper-pat");
    }

    [Fact]
    public async Task the_log_refuses_updates_and_deletes()
    {
        await app.CreatePrincipalAsync("immutable-quinn", "viewer");
        await Should.ThrowAsync<Npgsql.PostgresException>(() => app.ExecuteSqlAsync("UPDATE governance.mt_events SET type = 'x'"));
        await Should.ThrowAsync<Npgsql.PostgresException>(() => app.ExecuteSqlAsync("DELETE FROM governance.mt_events"));
    }

    [Fact]
    public async Task a_stream_can_be_read_from_one_version_to_another_and_keeps_its_etag()
    {
        await app.RegisterModelAsync("audit-range");
        for (var i = 0; i < 3; i++)
        {
            await app.Scenario(s => s.Post.Json(new { title = $"Note {i}", body = "b" }).ToUrl("/api/v1/models/audit-range/notes").StatusCodeShouldBe(201));
        }

        var one = await app.Scenario(s => s.Get.Url("/api/v1/streams/model-audit-range/events?fromVersion=2&toVersion=2").StatusCodeShouldBe(200).HeaderShouldBe("ETag", "\"4\""));
        one.Json.GetProperty("version").GetInt32().ShouldBe(4);
        one.Json.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("version").GetInt32()).ShouldBe([2]);
        one.Json.GetProperty("events")[0].GetProperty("data").GetProperty("title").GetString().ShouldBe("Note 0");
        var tail = await app.Scenario(s => s.Get.Url("/api/v1/streams/model-audit-range/events?fromVersion=3").StatusCodeShouldBe(200));
        tail.Json.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("version").GetInt32()).ShouldBe([3, 4]);
        var beyond = await app.Scenario(s => s.Get.Url("/api/v1/streams/model-audit-range/events?fromVersion=9").StatusCodeShouldBe(200));
        beyond.Json.GetProperty("events").GetArrayLength().ShouldBe(0);

        await app.Scenario(s => s.Get.Url("/api/v1/streams/model-audit-range/events?fromVersion=0").StatusCodeShouldBe(400).ShouldBeProblem());
        var backwards = await app.Scenario(s => s.Get.Url("/api/v1/streams/model-audit-range/events?fromVersion=3&toVersion=2").StatusCodeShouldBe(400).ShouldBeProblem());
        backwards.Json.GetProperty("errors").GetProperty("toVersion")[0].GetString().ShouldBe("'toVersion' is at least 'fromVersion'.");
        await app.Scenario(s => s.Get.Url("/api/v1/streams/model-nothing-here/events?fromVersion=1&toVersion=1").StatusCodeShouldBe(404).ShouldBeProblem());
    }

    [Fact]
    public async Task an_unknown_stream_is_404()
    {
        await app.Scenario(s => s.Get.Url("/api/v1/streams/model-nothing-here/events").StatusCodeShouldBe(404).ShouldBeProblem());
    }

    private static async Task<T> Eventually<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        var value = await read();
        for (var i = 0; i < 100 && !done(value); i++)
        {
            await Task.Delay(20);
            value = await read();
        }

        return value;
    }

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private static StringContent Json(object body) =>
        new(JsonSerializer.Serialize(body, Web), System.Text.Encoding.UTF8, "application/json");
}
