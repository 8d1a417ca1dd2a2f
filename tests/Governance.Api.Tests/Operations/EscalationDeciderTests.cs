using Governance.Api.Incidents;
using Governance.Api.Rotations;
using NodaTime;

namespace Governance.Api.Tests.Operations;

/// <summary>The escalation decider: when, to whom, and never twice.</summary>
public sealed class EscalationDeciderTests
{
    private static readonly Instant Opened = Instant.FromUtc(2026, 11, 23, 9, 0);
    private static readonly OnCall Shift = new("ana", "ben", null, Opened, Opened + Duration.FromDays(7), null);

    private static Incident Open(Severity severity) =>
        Incident.Initial with
        {
            Id = "inc-1", Model = "m", Severity = severity, Assignee = "ana", OpenedAt = Opened,
            AckDeadline = Incident.AckDeadlineFor(severity) is { } d ? Opened + d : null,
        };

    [Theory]
    [InlineData(Severity.Sev1, 14, false)]
    [InlineData(Severity.Sev1, 15, true)]
    [InlineData(Severity.Sev2, 29, false)]
    [InlineData(Severity.Sev2, 30, true)]
    [InlineData(Severity.Sev3, 600, false)]
    [InlineData(Severity.Sev4, 600, false)]
    public void severities_escalate_at_their_deadline(Severity severity, int minutes, bool escalates)
    {
        var escalated = EscalateIncident.Decide(Open(severity), Shift, Opened + Duration.FromMinutes(minutes));
        (escalated is not null).ShouldBe(escalates);
        if (escalated is not null)
        {
            escalated.To.ShouldBe("ben");
            escalated.From.ShouldBe("ana");
        }
    }

    [Fact]
    public void an_escalated_or_acknowledged_incident_is_left_alone()
    {
        var late = Opened + Duration.FromHours(1);
        EscalateIncident.Decide(Open(Severity.Sev1) with { Escalated = true }, Shift, late).ShouldBeNull();
        EscalateIncident.Decide(Open(Severity.Sev1) with { Status = IncidentStatus.Acknowledged }, Shift, late).ShouldBeNull();
        EscalateIncident.Decide(Open(Severity.Sev1) with { Status = IncidentStatus.Resolved }, Shift, late).ShouldBeNull();
    }

    [Fact]
    public void when_the_shift_changed_since_opening_the_new_primary_takes_it()
    {
        var next = new OnCall("cem", "ana", null, Opened, Opened + Duration.FromDays(7), null);
        EscalateIncident.Decide(Open(Severity.Sev1), next, Opened + Duration.FromHours(1))!.To.ShouldBe("cem");
    }
}
