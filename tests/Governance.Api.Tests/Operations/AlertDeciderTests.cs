using Governance.Api.Alerts;
using Governance.Api.Core.Auth;
using Governance.Api.Incidents;
using NodaTime;

namespace Governance.Api.Tests.Operations;

/// <summary>Alert dedup and the noise arithmetic, table-driven.</summary>
public sealed class AlertDeciderTests
{
    private static readonly Instant Now = Instant.FromUtc(2026, 11, 23, 9, 0);
    private static readonly Actor Monitor = new("monitor", new HashSet<string> { "contributor" });

    private static Alert Existing(AlertStatus status, string? key = "k1") =>
        new("alr-1", "drift", "m", "t", Severity.Sev3, key, "s", status, 2, Now - Duration.FromHours(1), null, null, null);

    [Theory]
    [InlineData("open", "k1", "repeat")]
    [InlineData("acknowledged", "k1", "repeat")]
    [InlineData("escalated", "k1", "repeat")]
    [InlineData("resolved", "k1", "new")]
    [InlineData("none", "k1", "new")]
    [InlineData("open", null, "new")]
    public void a_repeat_of_an_unresolved_alert_is_counted_on_it(string existing, string? key, string expected)
    {
        var open = existing == "none" ? null : Existing(Enum.Parse<AlertStatus>(existing, ignoreCase: true));
        var command = new FireAlert("drift", "m", Severity.Sev3, key, "again");
        FireAlert.Check(command, "alr-2", false, true, open).ShouldBeNull();
        var events = FireAlert.Decide(command, "alr-2", "t", open, Now, Monitor);
        if (expected == "repeat")
        {
            var repeated = events.Single().ShouldBeOfType<AlertRepeated>();
            repeated.Id.ShouldBe("alr-1");
            repeated.Count.ShouldBe(3);
            repeated.RepeatedBy.ShouldBe("monitor");
        }
        else
        {
            events.Single().ShouldBeOfType<AlertFired>().Id.ShouldBe("alr-2");
        }
    }

    [Fact]
    public void an_alert_on_an_unknown_model_is_refused() =>
        FireAlert.Check(new FireAlert("drift", "ghost", Severity.Sev3, null, "s"), "alr-2", false, false, null)!.Status.ShouldBe(422);

    [Theory]
    [InlineData("open", 0)]
    [InlineData("acknowledged", 0)]
    [InlineData("resolved", 409)]
    [InlineData("none", 409)]
    public void a_repeat_meant_for_an_alert_resolved_between_look_up_and_lock_is_refused(string existing, int status)
    {
        var state = existing == "none" ? null : Existing(Enum.Parse<AlertStatus>(existing, ignoreCase: true));
        var refusal = FireAlert.Check(new FireAlert("drift", "m", Severity.Sev3, "k1", "again"), "alr-1", true, true, state);
        (refusal?.Status ?? 0).ShouldBe(status);
        if (refusal is not null)
        {
            refusal.Detail.ShouldBe("Alert 'alr-1' was resolved meanwhile; fire again to open a new one.");
        }
    }

    [Theory]
    [InlineData(10, 10, 4, 60.0, 40.0, true)]
    [InlineData(10, 6, 6, 40.0, 60.0, false)]
    [InlineData(20, 11, 11, 45.0, 55.0, true)]
    [InlineData(0, 0, 0, 0.0, 0.0, false)]
    public void ignored_means_never_acknowledged_or_not_actionable(long fired, long acknowledged, long actionable, double ignored, double actionablePercent, bool noisy)
    {
        var noise = GetAlerts.Noise("r", fired, acknowledged, actionable, null);
        noise.IgnoredPercent.ShouldBe(ignored);
        noise.ActionablePercent.ShouldBe(actionablePercent);
        noise.Noisy.ShouldBe(noisy);
    }
}
