using System.Text.Json;
using Governance.Api.Tests.Harness;
using Governance.Api.Tests.Registry;
using Governance.Api.Webhooks;
using Governance.EventLog;
using Marten;
using Marten.Services;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;

namespace Governance.Api.Tests.Webhooks;

/// <summary>POST/GET/DELETE /webhooks, secret rotation, deliveries to a real receiver, the delivery log and redelivery.</summary>
public sealed class WebhookTests(WebhooksApp app) : IClassFixture<WebhooksApp>
{
    [Fact]
    public async Task a_subscription_shows_its_secret_once_and_receives_signed_events()
    {
        await using var receiver = new WebhookReceiver();
        await receiver.StartAsync();
        var created = await app.Scenario(s => s.Post.Json(new { url = receiver.Url, events = new[] { "model_registered" }, model = "wh-signed", description = "CI" })
            .ToUrl("/api/v1/webhooks").StatusCodeShouldBe(201));
        var id = created.Json.GetProperty("id").GetString()!;
        var secret = created.Json.GetProperty("secret").GetString()!;
        secret.ShouldStartWith("whsec_");
        Convert.FromBase64String(secret["whsec_".Length..]).Length.ShouldBeGreaterThanOrEqualTo(24);
        created.Header("Location").ShouldBe($"/api/v1/webhooks/{id}");
        receiver.Secrets.Add(secret);

        var shown = await app.Scenario(s => s.Get.Url($"/api/v1/webhooks/{id}").StatusCodeShouldBe(200));
        shown.Body.ShouldNotContain(secret["whsec_".Length..]);
        shown.Json.GetProperty("status").GetString().ShouldBe("active");
        shown.Header("ETag").ShouldBe("\"1\"");
        (await app.Scenario(s => s.Get.Url("/api/v1/webhooks").StatusCodeShouldBe(200))).Body.ShouldContain(id);
        (await app.Scenario(s => s.Get.Url("/api/v1/webhooks").StatusCodeShouldBe(200))).Body.ShouldNotContain(secret["whsec_".Length..]);

        await app.RegisterModelAsync("wh-signed");
        await app.RegisterModelAsync("wh-other-model");
        await receiver.WaitForAsync(r => r.Count >= 1);
        var request = receiver.Requests.Single();
        WebhookReceiver.SignaturesMadeWith(request, secret).ShouldBe(1);
        request.ContentType.ShouldStartWith("application/json");
        request.Timestamp.ShouldBe(app.Clock.GetCurrentInstant().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Type.ShouldBe("model_registered");
        request.StreamId.ShouldBe("model-wh-signed");
        request.Version.ShouldBe(1);
        var data = request.Json.GetProperty("data");
        data.GetProperty("actor").GetString().ShouldBe("admin");
        data.GetProperty("key").GetString().ShouldBe("wh-signed");
        request.Json.GetProperty("timestamp").GetString().ShouldBe("2026-11-23T09:00:00Z");
        var stored = await app.ScalarAsync("SELECT id::text FROM governance.mt_events WHERE stream_id = 'model-wh-signed' AND version = 1");
        request.Id.ShouldBe(stored);

        // The receiver has the request before the dispatcher has recorded its answer.
        await Eventually(async () => (await app.ScalarAsync("SELECT status FROM governance.webhook_deliveries WHERE webhook_id = $1", id)) as string == "delivered");
        var log = await app.Scenario(s => s.Get.Url($"/api/v1/webhooks/{id}/deliveries").StatusCodeShouldBe(200));
        var delivery = log.Json.GetProperty("deliveries").EnumerateArray().Single();
        delivery.GetProperty("status").GetString().ShouldBe("delivered");
        delivery.GetProperty("statusCode").GetInt32().ShouldBe(200);
        delivery.GetProperty("eventId").GetString().ShouldBe(request.Id);
        delivery.GetProperty("type").GetString().ShouldBe("model_registered");
        delivery.GetProperty("history").GetArrayLength().ShouldBe(1);
    }

    [Fact]
    public async Task only_admins_manage_and_see_webhooks()
    {
        var key = await app.CreatePrincipalAsync("wh-contributor", GovernanceApp.Role.Contributor, GovernanceApp.Role.Approver, GovernanceApp.Role.OnCall);
        var (id, _) = await app.SubscribeAsync("http://127.0.0.1:9/hook", ["model_registered"]);
        var before = await app.EventCountAsync();
        await app.Scenario(s => s.Post.Json(new { url = "http://127.0.0.1:9/x", events = new[] { "*" } }).ToUrl("/api/v1/webhooks").As(key).StatusCodeShouldBe(403));
        await app.Scenario(s => s.Get.Url("/api/v1/webhooks").As(key).StatusCodeShouldBe(403));
        await app.Scenario(s => s.Get.Url($"/api/v1/webhooks/{id}").As(key).StatusCodeShouldBe(403));
        await app.Scenario(s => s.Get.Url($"/api/v1/webhooks/{id}/deliveries").As(key).StatusCodeShouldBe(403));
        await app.Scenario(s => s.Post.Json(new { }).ToUrl($"/api/v1/webhooks/{id}/secret").As(key).StatusCodeShouldBe(403));
        await app.Scenario(s => s.Post.Json(new { from = "2026-11-01T00:00:00Z" }).ToUrl($"/api/v1/webhooks/{id}/redelivery").As(key).StatusCodeShouldBe(403));
        await app.Scenario(s => s.Delete.Url($"/api/v1/webhooks/{id}").As(key).StatusCodeShouldBe(403));
        await app.Scenario(s => s.Get.Url("/api/v1/webhooks").Anonymous().StatusCodeShouldBe(401));
        (await app.EventCountAsync()).ShouldBe(before);
    }

    [Theory]
    [InlineData("""{"events":["*"]}""", "url")]
    [InlineData("""{"url":"ftp://hooks.example.com/x","events":["*"]}""", "url")]
    [InlineData("""{"url":"hooks.example.com/x","events":["*"]}""", "url")]
    [InlineData("""{"url":"https://user:pass@hooks.example.com/x","events":["*"]}""", "url")]
    [InlineData("""{"url":"https://hooks.example.com/x","events":[]}""", "events")]
    [InlineData("""{"url":"https://hooks.example.com/x"}""", "events")]
    [InlineData("""{"url":"https://hooks.example.com/x","events":["Promotion Approved"]}""", "events[0]")]
    [InlineData("""{"url":"https://hooks.example.com/x","events":["promotion_aproved"]}""", "events")]
    public async Task a_subscription_that_cannot_be_delivered_is_refused_naming_the_field(string body, string field)
    {
        var before = await app.EventCountAsync();
        var refused = await app.Scenario(s => s.Post.Text(body, "application/json").ToUrl("/api/v1/webhooks").StatusCodeShouldBe(400).ShouldBeProblem());
        refused.Json.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(refused.Body);
        refused.Body.ShouldNotContain("Governance.");
        (await app.EventCountAsync()).ShouldBe(before);
        (await app.ScalarAsync("SELECT count(*) FROM governance.webhook_secrets WHERE webhook_id NOT IN (SELECT id FROM governance.webhooks)")).ShouldBe(0L);
    }

    [Fact]
    public async Task an_unknown_event_type_is_named_in_the_refusal()
    {
        var refused = await app.Scenario(s => s.Post.Json(new { url = "https://hooks.example.com/x", events = new[] { "promotion_approved", "promotion_aproved" } })
            .ToUrl("/api/v1/webhooks").StatusCodeShouldBe(400));
        refused.Body.ShouldContain("promotion_aproved");
    }

    [Fact]
    public async Task a_rotated_secret_signs_beside_the_old_one_for_a_day_and_then_alone()
    {
        await using var receiver = new WebhookReceiver();
        await receiver.StartAsync();
        var (id, old) = await app.SubscribeAsync(receiver.Url, ["knowledge_note_added"], "wh-rotate");
        await app.RegisterModelAsync("wh-rotate");

        var rotated = await app.Scenario(s => s.Post.Json(new { }).ToUrl($"/api/v1/webhooks/{id}/secret").StatusCodeShouldBe(200));
        var fresh = rotated.Json.GetProperty("secret").GetString()!;
        fresh.ShouldStartWith("whsec_");
        fresh.ShouldNotBe(old);
        rotated.Json.GetProperty("previousSecretValidUntil").GetString().ShouldBe("2026-11-24T09:00:00Z");

        await app.Scenario(s => s.Post.Json(new { title = "during overlap", body = "b" }).ToUrl("/api/v1/models/wh-rotate/notes").StatusCodeShouldBe(201));
        await receiver.WaitForAsync(r => r.Count >= 1);
        var during = receiver.Requests.Last();
        WebhookReceiver.SignaturesMadeWith(during, fresh).ShouldBe(1);
        WebhookReceiver.SignaturesMadeWith(during, old).ShouldBe(1);
        during.Signature.Split(' ').Length.ShouldBe(2);

        app.Clock.Advance(Duration.FromHours(24) + Duration.FromSeconds(1));
        try
        {
            await app.Scenario(s => s.Post.Json(new { title = "after overlap", body = "b" }).ToUrl("/api/v1/models/wh-rotate/notes").StatusCodeShouldBe(201));
            await receiver.WaitForAsync(r => r.Count >= 2);
            var after = receiver.Requests.Last();
            WebhookReceiver.SignaturesMadeWith(after, fresh).ShouldBe(1);
            WebhookReceiver.SignaturesMadeWith(after, old).ShouldBe(0);
            after.Signature.Split(' ').Length.ShouldBe(1);
        }
        finally
        {
            app.Clock.Reset(app.Clock.GetCurrentInstant());
        }

        await app.Scenario(s => s.Post.Json(new { }).ToUrl("/api/v1/webhooks/wh_nothing/secret").StatusCodeShouldBe(404).ShouldBeProblem());
    }

    [Fact]
    public async Task a_receiver_that_fails_on_purpose_gets_the_same_event_again_until_it_succeeds()
    {
        await using var receiver = new WebhookReceiver();
        var calls = 0;
        receiver.Answer = _ => Interlocked.Increment(ref calls) <= 2 ? 503 : 204;
        await receiver.StartAsync();
        var (id, secret) = await app.SubscribeAsync(receiver.Url, ["model_registered"], "wh-flaky");
        await app.RegisterModelAsync("wh-flaky");

        await receiver.WaitForAsync(r => r.Any(x => x.AnsweredWith == 204));
        var attempts = receiver.Requests.ToList();
        attempts.Count.ShouldBe(3);
        attempts.Select(a => a.Id).Distinct().Count().ShouldBe(1);
        attempts.ShouldAllBe(a => WebhookReceiver.SignaturesMadeWith(a, secret) == 1);

        // The attempt is recorded once the receiver has answered.
        await Eventually(async () => (await app.ScalarAsync("SELECT status FROM governance.webhook_deliveries WHERE webhook_id = $1", id)) as string == "delivered");
        var log = await app.Scenario(s => s.Get.Url($"/api/v1/webhooks/{id}/deliveries?status=delivered").StatusCodeShouldBe(200));
        var delivery = log.Json.GetProperty("deliveries").EnumerateArray().Single();
        delivery.GetProperty("attempts").GetInt32().ShouldBe(3);
        delivery.GetProperty("statusCode").GetInt32().ShouldBe(204);
        var history = delivery.GetProperty("history").EnumerateArray().ToList();
        history.Select(h => h.GetProperty("statusCode").GetInt32()).ShouldBe([503, 503, 204]);
        history[0].GetProperty("error").GetString()!.ShouldContain("503");
    }

    [Fact]
    public async Task a_failing_delivery_shows_its_next_retry_and_is_given_up_after_the_schedule()
    {
        await using var receiver = new WebhookReceiver();
        receiver.Answer = _ => 500;
        await receiver.StartAsync();
        var (id, _) = await app.SubscribeAsync(receiver.Url, ["model_registered"], "wh-hopeless");
        await app.RegisterModelAsync("wh-hopeless");

        await receiver.WaitForAsync(r => r.Count >= 1);
        var pending = await app.Scenario(s => s.Get.Url($"/api/v1/webhooks/{id}/deliveries?status=pending").StatusCodeShouldBe(200));
        pending.Json.GetProperty("deliveries").EnumerateArray().Single().TryGetProperty("nextRetry", out var next).ShouldBeTrue();
        next.ValueKind.ShouldBe(JsonValueKind.String);

        var retries = WebhooksApp.RetrySchedule.Split(',').Length;
        await receiver.WaitForAsync(r => r.Count >= retries + 1);
        await Eventually(async () => (await app.ScalarAsync("SELECT status FROM governance.webhook_deliveries WHERE webhook_id = $1", id)) as string == "failed");
        await Task.Delay(500);
        receiver.Requests.Count.ShouldBe(retries + 1);
    }

    [Fact]
    public async Task a_receiver_that_goes_away_gets_everything_afterwards_in_order_per_stream()
    {
        await using var receiver = new WebhookReceiver();
        await receiver.StartAsync();
        await app.RegisterModelAsync("wh-away-a");
        await app.RegisterModelAsync("wh-away-b");
        var (_, secret) = await app.SubscribeAsync(receiver.Url, ["knowledge_note_added"]);
        await receiver.StopAsync();

        for (var i = 1; i <= 6; i++)
        {
            foreach (var model in new[] { "wh-away-a", "wh-away-b" })
            {
                await app.Scenario(s => s.Post.Json(new { title = $"note {i}", body = "b" }).ToUrl($"/api/v1/models/{model}/notes").StatusCodeShouldBe(201));
            }
        }

        await Task.Delay(1500);
        await receiver.StartAsync();
        await receiver.WaitForAsync(r => r.Where(x => x.AnsweredWith == 200).Select(x => x.Id).Distinct().Count() >= 12);
        foreach (var stream in new[] { "model-wh-away-a", "model-wh-away-b" })
        {
            var versions = receiver.Requests.Where(r => r.AnsweredWith == 200 && r.StreamId == stream).Select(r => r.Version).ToList();
            versions.ShouldBe([.. versions.Order()], $"{stream} arrived out of order");
            versions.Distinct().Count().ShouldBe(6);
        }

        receiver.Requests.ShouldAllBe(r => WebhookReceiver.SignaturesMadeWith(r, secret) == 1);
    }

    [Fact]
    public async Task gone_disables_the_subscription_and_nothing_more_is_sent()
    {
        await using var receiver = new WebhookReceiver();
        receiver.Answer = _ => 410;
        await receiver.StartAsync();
        var (id, _) = await app.SubscribeAsync(receiver.Url, ["knowledge_note_added"], "wh-gone");
        await app.RegisterModelAsync("wh-gone");
        await app.Scenario(s => s.Post.Json(new { title = "one", body = "b" }).ToUrl("/api/v1/models/wh-gone/notes").StatusCodeShouldBe(201));
        await receiver.WaitForAsync(r => r.Count >= 1);
        await Eventually(async () =>
            (await app.Scenario(s => s.Get.Url($"/api/v1/webhooks/{id}").StatusCodeShouldBe(200))).Json.GetProperty("status").GetString() == "disabled");

        await app.Scenario(s => s.Post.Json(new { title = "two", body = "b" }).ToUrl("/api/v1/models/wh-gone/notes").StatusCodeShouldBe(201));
        await app.WaitForNonStaleProjectionsAsync();
        await Task.Delay(500);
        receiver.Requests.Count.ShouldBe(1);
        var stream = await app.Scenario(s => s.Get.Url($"/api/v1/streams/webhook-{id}/events").StatusCodeShouldBe(200));
        stream.Body.ShouldContain("webhook_disabled");
        await app.Scenario(s => s.Post.Json(new { from = "2026-11-01T00:00:00Z" }).ToUrl($"/api/v1/webhooks/{id}/redelivery").StatusCodeShouldBe(409).ShouldBeProblem());
    }

    [Fact]
    public async Task a_removed_subscription_gets_nothing_and_is_gone_from_the_api()
    {
        await using var receiver = new WebhookReceiver();
        await receiver.StartAsync();
        var (id, _) = await app.SubscribeAsync(receiver.Url, ["*"], "wh-removed");
        await app.Scenario(s => s.Delete.Url($"/api/v1/webhooks/{id}").StatusCodeShouldBe(204));
        await app.RegisterModelAsync("wh-removed");
        await app.WaitForNonStaleProjectionsAsync();
        await Task.Delay(300);
        receiver.Requests.ShouldBeEmpty();
        await app.Scenario(s => s.Get.Url($"/api/v1/webhooks/{id}").StatusCodeShouldBe(404).ShouldBeProblem());
        await app.Scenario(s => s.Get.Url($"/api/v1/webhooks/{id}/deliveries").StatusCodeShouldBe(404).ShouldBeProblem());
        await app.Scenario(s => s.Delete.Url($"/api/v1/webhooks/{id}").StatusCodeShouldBe(404).ShouldBeProblem());
        (await app.Scenario(s => s.Get.Url("/api/v1/webhooks"))).Body.ShouldNotContain(id);
    }

    [Fact]
    public async Task one_event_or_everything_since_an_instant_is_sent_again_with_the_same_webhook_id()
    {
        await using var receiver = new WebhookReceiver();
        await receiver.StartAsync();
        var (id, _) = await app.SubscribeAsync(receiver.Url, ["*"], "wh-again");
        await app.RegisterModelAsync("wh-again");
        await app.Scenario(s => s.Post.Json(new { title = "one", body = "b" }).ToUrl("/api/v1/models/wh-again/notes").StatusCodeShouldBe(201));
        await receiver.WaitForAsync(r => r.Count >= 2);
        var first = receiver.Requests.First();

        var one = await app.Scenario(s => s.Post.Json(new { eventId = first.Id }).ToUrl($"/api/v1/webhooks/{id}/redelivery").StatusCodeShouldBe(202));
        one.Json.GetProperty("redelivered").GetInt32().ShouldBe(1);
        await receiver.WaitForAsync(r => r.Count >= 3);
        receiver.Requests.Last().Id.ShouldBe(first.Id);
        receiver.Requests.Last().Body.ShouldBe(first.Body);

        var all = await app.Scenario(s => s.Post.Json(new { from = "2026-11-23T00:00:00Z" }).ToUrl($"/api/v1/webhooks/{id}/redelivery").StatusCodeShouldBe(202));
        all.Json.GetProperty("redelivered").GetInt32().ShouldBe(2);
        await receiver.WaitForAsync(r => r.Count >= 5);
        receiver.Requests.Skip(3).Select(r => r.Version).ShouldBe([1L, 2L]);

        await app.Scenario(s => s.Post.Json(new { eventId = Guid.NewGuid() }).ToUrl($"/api/v1/webhooks/{id}/redelivery").StatusCodeShouldBe(404).ShouldBeProblem());
        await app.Scenario(s => s.Post.Json(new { }).ToUrl($"/api/v1/webhooks/{id}/redelivery").StatusCodeShouldBe(400).ShouldBeProblem());
        await app.Scenario(s => s.Post.Json(new { eventId = first.Id, from = "2026-11-23T00:00:00Z" }).ToUrl($"/api/v1/webhooks/{id}/redelivery").StatusCodeShouldBe(400));
        await app.Scenario(s => s.Post.Json(new { from = "yesterday" }).ToUrl($"/api/v1/webhooks/{id}/redelivery").StatusCodeShouldBe(400).ShouldBeProblem());
        await app.Scenario(s => s.Post.Json(new { from = "2026-11-23T00:00:00Z" }).ToUrl("/api/v1/webhooks/wh_nothing/redelivery").StatusCodeShouldBe(404));
    }

    [Fact]
    public async Task the_delivery_log_pages_and_refuses_what_it_cannot_answer()
    {
        await using var receiver = new WebhookReceiver();
        await receiver.StartAsync();
        var (id, _) = await app.SubscribeAsync(receiver.Url, ["*"], "wh-paged");
        await app.RegisterModelAsync("wh-paged");
        for (var i = 0; i < 3; i++)
        {
            await app.Scenario(s => s.Post.Json(new { title = $"n{i}", body = "b" }).ToUrl("/api/v1/models/wh-paged/notes").StatusCodeShouldBe(201));
        }

        await receiver.WaitForAsync(r => r.Count >= 4);
        var page1 = await app.Scenario(s => s.Get.Url($"/api/v1/webhooks/{id}/deliveries?limit=3"));
        page1.Json.GetProperty("deliveries").GetArrayLength().ShouldBe(3);
        var next = page1.Json.GetProperty("next").GetString()!;
        var page2 = await app.Scenario(s => s.Get.Url($"/api/v1/webhooks/{id}/deliveries?limit=3&after={next}"));
        page2.Json.GetProperty("deliveries").GetArrayLength().ShouldBe(1);
        page2.Json.TryGetProperty("next", out _).ShouldBeFalse();
        page2.Json.GetProperty("deliveries")[0].GetProperty("version").GetInt64().ShouldBe(1);

        (await app.Scenario(s => s.Get.Url($"/api/v1/webhooks/{id}/deliveries?status=sent").StatusCodeShouldBe(400).ShouldBeProblem())).Body.ShouldContain("pending, delivered, failed, cancelled");
        await app.Scenario(s => s.Get.Url($"/api/v1/webhooks/{id}/deliveries?limit=0").StatusCodeShouldBe(400).ShouldBeProblem());
        await app.Scenario(s => s.Get.Url($"/api/v1/webhooks/{id}/deliveries?after=abc").StatusCodeShouldBe(400).ShouldBeProblem());
        await app.Scenario(s => s.Get.Url("/api/v1/webhooks/wh_nothing/deliveries").StatusCodeShouldBe(404).ShouldBeProblem());
    }

    [Fact]
    public async Task a_rolled_back_append_is_never_forwarded_and_what_commits_after_it_is()
    {
        await using var receiver = new WebhookReceiver();
        await receiver.StartAsync();
        await app.SubscribeAsync(receiver.Url, ["*"]);

        var store = app.Services.GetRequiredService<IDocumentStore>();
        await using (var connection = await app.Services.GetRequiredService<Npgsql.NpgsqlDataSource>().OpenConnectionAsync())
        {
            await using var tx = await connection.BeginTransactionAsync();
            await using (var session = store.LightweightSession(SessionOptions.ForTransaction(tx)).WithMetadata(new EventMetadata("ghost")))
            {
                session.Events.StartStream<Governance.EventLog.Streams.Folded<Webhook>>("webhook-wh_ghost", new WebhookRemoved("wh_ghost", "ghost", app.Clock.GetCurrentInstant()));
                await session.SaveChangesAsync();
            }

            await tx.RollbackAsync();
        }

        await app.RegisterModelAsync("wh-after-rollback");
        await receiver.WaitForAsync(r => r.Any(x => x.StreamId == "model-wh-after-rollback"));
        receiver.Requests.ShouldNotContain(r => r.StreamId == "webhook-wh_ghost");
        (await app.ScalarAsync("SELECT count(*) FROM governance.webhook_deliveries WHERE stream_id = 'webhook-wh_ghost'")).ShouldBe(0L);
    }

    [Fact]
    public async Task events_committed_before_a_subscription_are_not_sent_to_it()
    {
        await using var receiver = new WebhookReceiver();
        await receiver.StartAsync();
        await app.RegisterModelAsync("wh-earlier");
        await app.SubscribeAsync(receiver.Url, ["*"], "wh-earlier");
        await app.Scenario(s => s.Post.Json(new { title = "later", body = "b" }).ToUrl("/api/v1/models/wh-earlier/notes").StatusCodeShouldBe(201));
        await receiver.WaitForAsync(r => r.Count >= 1, context: () => string.Join("\n", app.ServerErrors.Entries.TakeLast(5)));
        await Task.Delay(300);
        receiver.Requests.Select(r => r.Type).ShouldBe(["knowledge_note_added"]);
    }

    private static async Task Eventually(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The condition did not hold within 30 s.");
            }

            await Task.Delay(100);
        }
    }
}
