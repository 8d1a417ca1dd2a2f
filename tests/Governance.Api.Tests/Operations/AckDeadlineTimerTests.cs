using Governance.Api.Incidents;
using Governance.Api.Tests.Harness;
using Governance.Api.Tests.Registry;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Wolverine.Tracking;

namespace Governance.Api.Tests.Operations;

/// <summary>
/// Ack deadlines as durable Wolverine timers, seen through Wolverine's message tracking: what a command schedules, and
/// what a timer does when it is played at, before or after its deadline by the service's clock.
/// </summary>
public sealed class AckDeadlineTimerTests(GovernanceApp app) : IClassFixture<GovernanceApp>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task opening_a_sev1_schedules_its_escalation_at_the_ack_deadline_in_the_same_transaction()
    {
        app.Clock.Reset(GovernanceApp.Start);
        await app.RegisterModelAsync("timer-open-model", team: "timer-open-team");
        string? id = null;
        var before = DateTimeOffset.UtcNow;
        var tracked = await app.Host.ExecuteAndWaitAsync(async () => id = await app.OpenIncidentAsync("timer-open-model", "SEV1"), (int)Timeout.TotalMilliseconds);

        var timer = tracked.Scheduled.SingleMessage<EscalateIncident>();
        timer.ShouldBe(new EscalateIncident(id!, new DateTimeOffset(2026, 11, 23, 9, 15, 0, TimeSpan.Zero)));
        var envelope = tracked.Scheduled.SingleEnvelope<EscalateIncident>();
        // Due 15 minutes after the opening by the machine's clock (the service's clock may be a test's).
        envelope.ScheduledTime!.Value.ShouldBeInRange(before.AddMinutes(15), DateTimeOffset.UtcNow.AddMinutes(15));
        (await ScheduledTimersAsync(id!)).ShouldBe(1);
    }

    [Fact]
    public async Task a_sev3_has_no_deadline_and_no_timer()
    {
        app.Clock.Reset(GovernanceApp.Start);
        await app.RegisterModelAsync("timer-sev3-model", team: "timer-sev3-team");
        string? id = null;
        var tracked = await app.Host.ExecuteAndWaitAsync(async () => id = await app.OpenIncidentAsync("timer-sev3-model", "SEV3"), (int)Timeout.TotalMilliseconds);
        tracked.Scheduled.MessagesOf<EscalateIncident>().ShouldBeEmpty();
        (await ScheduledTimersAsync(id!)).ShouldBe(0);
    }

    [Fact]
    public async Task the_timer_escalates_an_unacknowledged_incident_to_the_secondary_once()
    {
        app.Clock.Reset(GovernanceApp.Start);
        await app.RegisterModelAsync("timer-due-model", team: "timer-due-team");
        await app.DefineRotationAsync("timer-due-team", ["ana", "ben", "cem"]);
        string? id = null;
        var opened = await app.Host.ExecuteAndWaitAsync(async () => id = await app.OpenIncidentAsync("timer-due-model", "SEV1"), (int)Timeout.TotalMilliseconds);

        app.Clock.Advance(Duration.FromMinutes(15));
        var fired = await opened.PlayScheduledMessagesAsync(Timeout);
        fired.Executed.SingleMessage<EscalateIncident>().Id.ShouldBe(id);
        fired.Scheduled.MessagesOf<EscalateIncident>().ShouldBeEmpty();
        await opened.PlayScheduledMessagesAsync(Timeout); // delivered twice: still one escalation

        var escalations = await EscalationsAsync(id!);
        escalations.Count.ShouldBe(1);
        escalations[0].GetProperty("data").GetProperty("to").GetString().ShouldBe("ben");
        escalations[0].GetProperty("data").GetProperty("escalatedAt").GetString().ShouldBe("2026-11-23T09:15:00Z");
        escalations[0].GetProperty("metadata").GetProperty("actor").GetString().ShouldBe("system");
        app.Clock.Reset(GovernanceApp.Start);
    }

    [Fact]
    public async Task acknowledging_before_the_deadline_leaves_the_timer_nothing_to_do()
    {
        app.Clock.Reset(GovernanceApp.Start);
        await app.RegisterModelAsync("timer-ack-model", team: "timer-ack-team");
        string? id = null;
        var opened = await app.Host.ExecuteAndWaitAsync(async () => id = await app.OpenIncidentAsync("timer-ack-model", "SEV1"), (int)Timeout.TotalMilliseconds);
        app.Clock.Advance(Duration.FromMinutes(10));
        await app.Scenario(s => s.Post.Json(new { }).ToUrl($"/api/v1/incidents/{id}/acknowledgement").StatusCodeShouldBe(200));

        app.Clock.Advance(Duration.FromMinutes(50));
        var fired = await opened.PlayScheduledMessagesAsync(Timeout);
        fired.Executed.SingleMessage<EscalateIncident>().Id.ShouldBe(id);
        fired.Scheduled.MessagesOf<EscalateIncident>().ShouldBeEmpty();
        (await EscalationsAsync(id!)).ShouldBeEmpty();
        app.Clock.Reset(GovernanceApp.Start);
    }

    [Fact]
    public async Task a_timer_that_fires_before_the_deadline_by_the_services_clock_looks_again_when_it_passes()
    {
        app.Clock.Reset(GovernanceApp.Start);
        await app.RegisterModelAsync("timer-early-model", team: "timer-early-team");
        string? id = null;
        var opened = await app.Host.ExecuteAndWaitAsync(async () => id = await app.OpenIncidentAsync("timer-early-model", "SEV2"), (int)Timeout.TotalMilliseconds);

        app.Clock.Advance(Duration.FromMinutes(20));
        var early = await opened.PlayScheduledMessagesAsync(Timeout);
        (await EscalationsAsync(id!)).ShouldBeEmpty();
        var again = early.Scheduled.SingleEnvelope<EscalateIncident>();
        again.Message.ShouldBe(new EscalateIncident(id!, new DateTimeOffset(2026, 11, 23, 9, 30, 0, TimeSpan.Zero)));
        again.ScheduledTime!.Value.ShouldBeInRange(DateTimeOffset.UtcNow.AddMinutes(9), DateTimeOffset.UtcNow.AddMinutes(10));

        app.Clock.Advance(Duration.FromMinutes(10));
        await early.PlayScheduledMessagesAsync(Timeout);
        (await EscalationsAsync(id!)).Count.ShouldBe(1);
        app.Clock.Reset(GovernanceApp.Start);
    }

    [Fact]
    public async Task a_reopening_sets_a_new_timer_and_the_old_one_is_spent()
    {
        app.Clock.Reset(GovernanceApp.Start);
        await app.RegisterModelAsync("timer-reopen-model", team: "timer-reopen-team");
        string? id = null;
        var opened = await app.Host.ExecuteAndWaitAsync(async () => id = await app.OpenIncidentAsync("timer-reopen-model", "SEV1"), (int)Timeout.TotalMilliseconds);
        await app.Scenario(s => s.Post.Json(new { }).ToUrl($"/api/v1/incidents/{id}/resolution").StatusCodeShouldBe(200));
        app.Clock.Advance(Duration.FromMinutes(10));
        var reopened = await app.Host.ExecuteAndWaitAsync(
            () => app.Scenario(s => s.Post.Json(new { reason = "It came back" }).ToUrl($"/api/v1/incidents/{id}/reopening").StatusCodeShouldBe(200)),
            (int)Timeout.TotalMilliseconds);
        reopened.Scheduled.SingleMessage<EscalateIncident>().ShouldBe(new EscalateIncident(id!, new DateTimeOffset(2026, 11, 23, 9, 25, 0, TimeSpan.Zero)));

        // The first deadline (09:15) has passed, the new one (09:25) has not: the old timer neither escalates nor re-arms.
        app.Clock.Advance(Duration.FromMinutes(6));
        var old = await opened.PlayScheduledMessagesAsync(Timeout);
        old.Scheduled.MessagesOf<EscalateIncident>().ShouldBeEmpty();
        (await EscalationsAsync(id!)).ShouldBeEmpty();

        app.Clock.Advance(Duration.FromMinutes(10));
        await reopened.PlayScheduledMessagesAsync(Timeout);
        (await EscalationsAsync(id!)).Count.ShouldBe(1);
        app.Clock.Reset(GovernanceApp.Start);
    }

    [Fact]
    public async Task an_alert_escalated_to_a_sev2_incident_gets_its_timer_with_the_incident()
    {
        app.Clock.Reset(GovernanceApp.Start);
        await app.RegisterModelAsync("timer-alert-model", team: "timer-alert-team");
        var alert = await app.FireAlertAsync("latency-p99", "timer-alert-model");
        string? incident = null;
        var tracked = await app.Host.ExecuteAndWaitAsync(async () =>
        {
            var result = await app.Scenario(s => s.Post.Json(new { severity = "SEV2" }).ToUrl($"/api/v1/alerts/{alert}/escalation").StatusCodeShouldBe(201));
            incident = result.Json.GetProperty("id").GetString();
        }, (int)Timeout.TotalMilliseconds);
        tracked.Scheduled.SingleMessage<EscalateIncident>().ShouldBe(new EscalateIncident(incident!, new DateTimeOffset(2026, 11, 23, 9, 30, 0, TimeSpan.Zero)));
        (await ScheduledTimersAsync(incident!)).ShouldBe(1);
    }

    [Fact]
    public async Task an_slo_page_opens_a_sev2_with_its_timer()
    {
        app.Clock.Reset(GovernanceApp.Start);
        var now = GovernanceApp.Start;
        await app.RegisterModelAsync("timer-slo-model", team: "timer-slo-team");
        var defined = await app.Scenario(s =>
        {
            s.Post.Json(new { name = "Approval accuracy", model = "timer-slo-model", stage = "production", objective = 0.99, window = "P28D", description = "d" })
                .ToUrl("/api/v1/slos");
            s.StatusCodeShouldBe(201);
        });
        var slo = defined.Json.GetProperty("id").GetString();
        var buckets = Enumerable.Range(0, 6).Select(i => now - Duration.FromMinutes(30 - (5 * i))).Select(from => new
        {
            from = NodaTime.Text.InstantPattern.ExtendedIso.Format(from), to = NodaTime.Text.InstantPattern.ExtendedIso.Format(from + Duration.FromMinutes(5)), good = 50, total = 100,
        }).ToArray();

        var tracked = await app.Host.ExecuteAndWaitAsync(
            () => app.Scenario(s => s.Post.Json(buckets).ToUrl($"/api/v1/slos/{slo}/measurements").StatusCodeShouldBe(202)), (int)Timeout.TotalMilliseconds);

        var incident = (await app.Scenario(s => s.Get.Url($"/api/v1/slos/{slo}").StatusCodeShouldBe(200))).Json.GetProperty("incidentId").GetString();
        tracked.Scheduled.SingleMessage<EscalateIncident>().ShouldBe(new EscalateIncident(incident!, new DateTimeOffset(2026, 11, 23, 9, 30, 0, TimeSpan.Zero)));
        (await ScheduledTimersAsync(incident!)).ShouldBe(1);
    }

    [Fact]
    public async Task an_incident_without_a_timer_still_escalates_at_the_next_sweep()
    {
        app.Clock.Reset(GovernanceApp.Start);
        await app.RegisterModelAsync("timer-sweep-model", team: "timer-sweep-team");
        var id = await app.OpenIncidentAsync("timer-sweep-model", "SEV1");
        // As for an incident opened before timers existed (or imported): its timer row is gone.
        (await IncidentTimerRows.DeleteAsync(app.ConnectionString, id)).ShouldBe(1);

        app.Clock.Advance(Duration.FromMinutes(15));
        var sweep = app.Services.GetRequiredService<IncidentEscalation>();
        (await sweep.EscalateOverdueAsync(default)).ShouldContain(id);
        (await sweep.EscalateOverdueAsync(default)).ShouldNotContain(id);
        (await EscalationsAsync(id)).Count.ShouldBe(1);
        app.Clock.Reset(GovernanceApp.Start);
    }

    private async Task<List<System.Text.Json.JsonElement>> EscalationsAsync(string id)
    {
        var stream = await app.Scenario(s => s.Get.Url($"/api/v1/streams/incident-{id}/events").StatusCodeShouldBe(200));
        return [.. stream.Json.GetProperty("events").EnumerateArray().Where(e => e.GetProperty("type").GetString() == "incident_escalated")];
    }

    /// <summary>Timers for the incident stored in Wolverine's inbox, waiting for their time.</summary>
    private Task<long> ScheduledTimersAsync(string id) => IncidentTimerRows.ScheduledAsync(app.ConnectionString, id);
}
