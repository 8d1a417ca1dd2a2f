using Governance.Api.Slos;
using Governance.Api.Tests.Harness;
using Governance.Api.Tests.Registry;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using NodaTime.Text;

namespace Governance.Api.Tests.Operations;

/// <summary>SLOs over HTTP with the fake clock: a fast burn pages, a slow one tickets, late labels wait, recovery, no duplicates.</summary>
public sealed class SloTests(GovernanceApp app) : IClassFixture<GovernanceApp>
{
    private async Task<string> DefineAsync(string model, string team, double objective = 0.99, string? labelDelay = null)
    {
        await app.RegisterModelAsync(model, team: team);
        await app.DefineRotationAsync(team, ["ana", "ben"]);
        var result = await app.Scenario(s =>
        {
            s.Post.Json(new { name = "Approval accuracy", model, stage = "production", objective, window = "P28D", labelDelay, description = "95% of decisions right" })
                .ToUrl("/api/v1/slos");
            s.StatusCodeShouldBe(201);
        });
        return result.Json.GetProperty("id").GetString()!;
    }

    /// <summary>5-minute buckets of 100 events covering [from, to) with the given error rate.</summary>
    private static object[] Buckets(Instant from, Instant to, double errorRate)
    {
        var list = new List<object>();
        for (var t = from; t < to; t += Duration.FromMinutes(5))
        {
            list.Add(new { from = Text(t), to = Text(t + Duration.FromMinutes(5)), good = 100 - (int)Math.Round(errorRate * 100), total = 100 });
        }

        return [.. list];
    }

    private static string Text(Instant i) => InstantPattern.ExtendedIso.Format(i);

    private Task<IScenarioResult> IngestAsync(string id, object[] buckets) =>
        app.Scenario(s => s.Post.Json(buckets).ToUrl($"/api/v1/slos/{id}/measurements").StatusCodeShouldBe(202));

    private async Task<List<string>> SloEventTypesAsync(string id)
    {
        var stream = await app.Scenario(s => s.Get.Url($"/api/v1/streams/slo-{id}/events").StatusCodeShouldBe(200));
        return [.. stream.Json.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("type").GetString()!)];
    }

    [Fact]
    public async Task a_fast_burn_pages_within_the_hour_opens_a_sev2_in_the_queue_and_recovers()
    {
        app.Clock.Reset(GovernanceApp.Start);
        var now = GovernanceApp.Start;
        var id = await DefineAsync("fast-model", "fast-team");
        await IngestAsync(id, Buckets(now - Duration.FromHours(6), now - Duration.FromMinutes(30), 0));
        (await SloEventTypesAsync(id)).ShouldBe(["slo_defined"]);

        var accepted = await IngestAsync(id, Buckets(now - Duration.FromMinutes(30), now, 0.5));
        accepted.Json.GetProperty("breaching").GetBoolean().ShouldBeTrue();
        var status = await app.Scenario(s => s.Get.Url($"/api/v1/slos/{id}").StatusCodeShouldBe(200));
        status.Json.GetProperty("breaching").GetBoolean().ShouldBeTrue();
        status.Json.GetProperty("breachKind").GetString().ShouldBe("page");
        status.Json.GetProperty("burnRates").GetProperty("5m").GetDouble().ShouldBe(50);
        status.Json.GetProperty("burnRates").GetProperty("1h").GetDouble().ShouldBe(25);
        var incidentId = status.Json.GetProperty("incidentId").GetString();

        var incident = await app.Scenario(s => s.Get.Url($"/api/v1/incidents/{incidentId}").StatusCodeShouldBe(200));
        incident.Json.GetProperty("severity").GetString().ShouldBe("SEV2");
        incident.Json.GetProperty("source").GetString().ShouldBe("slo-breach");
        incident.Json.GetProperty("assignee").GetString().ShouldBe("ana");
        var queue = await app.Scenario(s => s.Get.Url("/api/v1/teams/fast-team/queue").StatusCodeShouldBe(200));
        queue.Json.GetProperty("items")[0].GetProperty("id").GetString().ShouldBe(incidentId);

        // More bad data while the breach is active: no second breach, no second incident.
        await IngestAsync(id, Buckets(now - Duration.FromMinutes(5), now, 1));
        await app.Services.GetRequiredService<SloBreachDetector>().EvaluateAsync(null, default);
        (await SloEventTypesAsync(id)).ShouldBe(["slo_defined", "slo_breached"]);

        // Seven healthy hours later every window is clear.
        app.Clock.Advance(Duration.FromHours(7));
        await IngestAsync(id, Buckets(now, now + Duration.FromHours(7), 0));
        (await SloEventTypesAsync(id)).ShouldBe(["slo_defined", "slo_breached", "slo_recovered"]);
        var recovered = await app.Scenario(s => s.Get.Url($"/api/v1/slos/{id}").StatusCodeShouldBe(200));
        recovered.Json.GetProperty("breaching").GetBoolean().ShouldBeFalse();
        recovered.Json.GetProperty("lastBreach").GetProperty("kind").GetString().ShouldBe("page");
        app.Clock.Reset(GovernanceApp.Start);
    }

    [Fact]
    public async Task a_slow_burn_only_tickets()
    {
        app.Clock.Reset(GovernanceApp.Start);
        var now = GovernanceApp.Start;
        var id = await DefineAsync("slow-model", "slow-team");
        var accepted = await IngestAsync(id, Buckets(now - Duration.FromDays(3), now, 0.02));
        accepted.Json.GetProperty("breaching").GetBoolean().ShouldBeTrue();
        var status = await app.Scenario(s => s.Get.Url($"/api/v1/slos/{id}").StatusCodeShouldBe(200));
        status.Json.GetProperty("breachKind").GetString().ShouldBe("ticket");
        status.Json.GetProperty("attainment").GetDouble().ShouldBe(0.98);
        status.Json.GetProperty("errorBudgetRemaining").GetDouble().ShouldBe(-1, 1e-9);
        var incident = await app.Scenario(s => s.Get.Url($"/api/v1/incidents/{status.Json.GetProperty("incidentId").GetString()}").StatusCodeShouldBe(200));
        incident.Json.GetProperty("severity").GetString().ShouldBe("SEV3");
    }

    [Fact]
    public async Task late_labels_do_not_page_before_the_label_delay_has_passed()
    {
        app.Clock.Reset(GovernanceApp.Start);
        var now = GovernanceApp.Start;
        var id = await DefineAsync("late-model", "late-team", labelDelay: "PT2H");
        await IngestAsync(id, Buckets(now - Duration.FromHours(8), now - Duration.FromHours(1), 0));
        var accepted = await IngestAsync(id, Buckets(now - Duration.FromHours(1), now, 1));
        accepted.Json.GetProperty("breaching").GetBoolean().ShouldBeFalse();
        var detector = app.Services.GetRequiredService<SloBreachDetector>();
        app.Clock.Advance(Duration.FromMinutes(59));
        (await detector.EvaluateAsync([id], default)).ShouldNotContain(id);

        // Two hours on, the bad hour is past the label delay and is judged.
        app.Clock.Advance(Duration.FromHours(1) + Duration.FromMinutes(1));
        (await detector.EvaluateAsync([id], default)).ShouldContain(id);
        (await SloEventTypesAsync(id)).ShouldBe(["slo_defined", "slo_breached"]);
        app.Clock.Reset(GovernanceApp.Start);
    }

    [Fact]
    public async Task a_corrected_bucket_replaces_the_earlier_count()
    {
        app.Clock.Reset(GovernanceApp.Start);
        var now = GovernanceApp.Start;
        var id = await DefineAsync("corrected-model", "corrected-team", objective: 0.95);
        await IngestAsync(id, [new { from = Text(now - Duration.FromHours(2)), to = Text(now - Duration.FromHours(1)), good = 50, total = 100 }]);
        await IngestAsync(id, [new { from = Text(now - Duration.FromHours(2)), to = Text(now - Duration.FromHours(1)), good = 99, total = 100 }]);
        var status = await app.Scenario(s => s.Get.Url($"/api/v1/slos/{id}").StatusCodeShouldBe(200));
        status.Json.GetProperty("attainment").GetDouble().ShouldBe(0.99);
    }

    [Fact]
    public async Task a_correction_in_the_same_request_wins_over_the_first_count()
    {
        app.Clock.Reset(GovernanceApp.Start);
        var now = GovernanceApp.Start;
        var id = await DefineAsync("same-request-model", "same-request-team", objective: 0.95);
        var from = Text(now - Duration.FromHours(2));
        var to = Text(now - Duration.FromHours(1));
        await IngestAsync(id, [new { from, to, good = 50, total = 100 }, new { from, to, good = 98, total = 100 }]);
        var status = await app.Scenario(s => s.Get.Url($"/api/v1/slos/{id}").StatusCodeShouldBe(200));
        status.Json.GetProperty("attainment").GetDouble().ShouldBe(0.98);
    }

    [Theory]
    [InlineData("objective", 1.5)]
    [InlineData("objective", 0.0)]
    [InlineData("window", "P1M")]
    [InlineData("labelDelay", "soon")]
    [InlineData("stage", "Prod Uction")]
    public async Task slo_fields_are_checked(string field, object value)
    {
        var body = new Dictionary<string, object> { ["name"] = "n", ["model"] = "any-model", ["stage"] = "production", ["objective"] = 0.95, ["window"] = "P28D" };
        body[field] = value;
        var result = await app.Scenario(s => s.Post.Json(body).ToUrl("/api/v1/slos").StatusCodeShouldBe(400).ShouldBeProblem());
        result.Json.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(result.Body);
    }

    [Fact]
    public async Task an_slo_needs_a_known_model_and_stage()
    {
        await app.Scenario(s => s.Post.Json(new { name = "n", model = "ghost-model", stage = "production", objective = 0.95, window = "P28D" }).ToUrl("/api/v1/slos").StatusCodeShouldBe(422));
        await app.RegisterModelAsync("stage-model", team: "stage-team");
        await app.Scenario(s => s.Post.Json(new { name = "n", model = "stage-model", stage = "edge", objective = 0.95, window = "P28D" }).ToUrl("/api/v1/slos").StatusCodeShouldBe(422));
    }

    [Fact]
    public async Task measurements_are_checked_and_need_a_known_slo()
    {
        var id = await DefineAsync("meas-model", "meas-team");
        var now = GovernanceApp.Start;
        var result = await app.Scenario(s => s.Post.Json(new[] { new { from = Text(now), to = Text(now + Duration.FromMinutes(5)), good = 101, total = 100 } })
            .ToUrl($"/api/v1/slos/{id}/measurements").StatusCodeShouldBe(400).ShouldBeProblem());
        result.Json.GetProperty("errors").TryGetProperty("[0].good", out _).ShouldBeTrue(result.Body);
        var backwards = await app.Scenario(s => s.Post.Json(new[] { new { from = Text(now), to = Text(now - Duration.FromMinutes(5)), good = 1, total = 1 } })
            .ToUrl($"/api/v1/slos/{id}/measurements").StatusCodeShouldBe(400));
        backwards.Json.GetProperty("errors").TryGetProperty("[0].to", out _).ShouldBeTrue(backwards.Body);
        await app.Scenario(s => s.Post.Json(Array.Empty<object>()).ToUrl($"/api/v1/slos/{id}/measurements").StatusCodeShouldBe(400));
        await app.Scenario(s => s.Post.Json(Buckets(now, now + Duration.FromMinutes(5), 0)).ToUrl("/api/v1/slos/slo-none/measurements").StatusCodeShouldBe(404));
        await app.Scenario(s => s.Get.Url("/api/v1/slos/slo-none").StatusCodeShouldBe(404).ShouldBeProblem());
    }

    [Fact]
    public async Task viewers_read_slos_but_cannot_define_or_feed_them()
    {
        var id = await DefineAsync("perm-slo-model", "perm-slo-team");
        var viewer = await app.CreatePrincipalAsync("slo-viewer", "viewer");
        await app.Scenario(s => s.Post.Json(new { name = "n", model = "perm-slo-model", stage = "production", objective = 0.95, window = "P28D" }).ToUrl("/api/v1/slos").As(viewer).StatusCodeShouldBe(403));
        await app.Scenario(s => s.Post.Json(Buckets(GovernanceApp.Start, GovernanceApp.Start + Duration.FromMinutes(5), 0)).ToUrl($"/api/v1/slos/{id}/measurements").As(viewer).StatusCodeShouldBe(403));
        await app.Scenario(s => s.Get.Url($"/api/v1/slos/{id}").As(viewer).StatusCodeShouldBe(200));
    }

    [Fact]
    public async Task revising_an_slo_judges_it_by_the_new_objective_from_then_on_and_is_recorded()
    {
        var id = await DefineAsync("revise-model", "revise-team", objective: 0.99);
        var revision = new { name = "Approval accuracy", objective = 0.95, window = "P7D", labelDelay = "P1D", description = "relaxed after the Q4 review" };

        var revised = await app.Scenario(s =>
        {
            s.Put.Json(revision).ToUrl($"/api/v1/slos/{id}");
            s.StatusCodeShouldBe(200);
            s.HeaderShouldBe("ETag", "\"2\"");
        });
        revised.Json.GetProperty("objective").GetDouble().ShouldBe(0.95);

        var status = await app.Scenario(s => s.Get.Url($"/api/v1/slos/{id}").StatusCodeShouldBe(200));
        status.Json.GetProperty("objective").GetDouble().ShouldBe(0.95);
        status.Json.GetProperty("description").GetString().ShouldBe("relaxed after the Q4 review");
        (await SloEventTypesAsync(id)).ShouldBe(["slo_defined", "slo_revised"]);

        // Re-applying the same definition (a pipeline on every deploy) records nothing.
        await app.Scenario(s => s.Put.Json(revision).ToUrl($"/api/v1/slos/{id}").StatusCodeShouldBe(200).HeaderShouldBe("ETag", "\"2\""));
        (await SloEventTypesAsync(id)).ShouldBe(["slo_defined", "slo_revised"]);

        // The model's documentation tells the story.
        await app.WaitForNonStaleProjectionsAsync();
        var doc = await app.Scenario(s => s.Get.Url("/api/v1/docs/models/revise-model").StatusCodeShouldBe(200));
        doc.Body.ShouldContain("objective 0.99 → 0.95");
    }

    [Fact]
    public async Task revising_needs_a_known_slo_a_valid_definition_the_current_version_and_a_contributor()
    {
        var id = await DefineAsync("revise-check-model", "revise-check-team");
        var valid = new { name = "n", objective = 0.9, window = "P28D" };
        await app.Scenario(s => s.Put.Json(valid).ToUrl("/api/v1/slos/slo-none").StatusCodeShouldBe(404).ShouldBeProblem());
        var before = await app.EventCountAsync();

        var bad = await app.Scenario(s => s.Put.Json(new { name = "n", objective = 1.5, window = "P28D" }).ToUrl($"/api/v1/slos/{id}").StatusCodeShouldBe(400).ShouldBeProblem());
        bad.Json.GetProperty("errors").TryGetProperty("objective", out _).ShouldBeTrue(bad.Body);
        await app.Scenario(s => s.Put.Json(new { name = "n", objective = 0.9, window = "P1M" }).ToUrl($"/api/v1/slos/{id}").StatusCodeShouldBe(400));
        await app.Scenario(s => s.Put.Json(valid).ToUrl($"/api/v1/slos/{id}").WithHeader("If-Match", "\"7\"").StatusCodeShouldBe(412).ShouldBeProblem());
        var viewer = await app.CreatePrincipalAsync("slo-revise-viewer", "viewer");
        var afterPrincipal = await app.EventCountAsync();
        await app.Scenario(s => s.Put.Json(valid).ToUrl($"/api/v1/slos/{id}").As(viewer).StatusCodeShouldBe(403));

        (await app.EventCountAsync()).ShouldBe(afterPrincipal);
        afterPrincipal.ShouldBe(before + 1); // only the viewer's own principal
        await app.Scenario(s => s.Put.Json(valid).ToUrl($"/api/v1/slos/{id}").WithHeader("If-Match", "\"1\"").StatusCodeShouldBe(200));
    }
}
