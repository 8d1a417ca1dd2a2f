using NodaTime;

namespace Governance.Api.Incidents;

/// <summary>An incident as people read it.</summary>
public sealed record IncidentView(
    string Id, string Model, string? Team, string? Stage, string? Version, Severity Severity, string Title, string Description,
    IncidentSource Source, IncidentCategory? Category, IncidentStatus Status, string? Assignee, Instant? AckDeadline, bool Escalated,
    string OpenedBy, Instant OpenedAt, Instant? AcknowledgedAt, Instant? ResolvedAt, MitigationAction? Mitigation, PostmortemPublished? Postmortem)
{
    /// <summary>What a command on an incident answers: what changed.</summary>
    public sealed record Changed(string Id, IncidentStatus? Status, string? Assignee, long Version);

    /// <summary>The view of a folded incident.</summary>
    public static IncidentView From(Incident i) => new(i.Id, i.Model, i.Team, i.Stage, i.Version, i.Severity, i.Title, i.Description, i.Source,
        i.Category, i.Status, i.Assignee, i.AckDeadline, i.Escalated, i.OpenedBy, i.OpenedAt, i.AcknowledgedAt, i.ResolvedAt, i.Mitigation, i.Postmortem);

    /// <summary>The answer to a command on incident <paramref name="id"/> from the event it appended, at the stream's new version.</summary>
    public static Changed Of(object appended, string id, long version) => appended switch
    {
        IncidentAcknowledged a => new Changed(a.Id, IncidentStatus.Acknowledged, null, version),
        IncidentAssigned a => new Changed(a.Id, null, a.Assignee, version),
        IncidentMitigated m => new Changed(m.Id, IncidentStatus.Mitigated, null, version),
        IncidentResolved r => new Changed(r.Id, IncidentStatus.Resolved, null, version),
        IncidentReopened r => new Changed(r.Id, IncidentStatus.Open, null, version),
        PostmortemPublished p => new Changed(p.Id, null, null, version),
        _ => new Changed(id, null, null, version),
    };
}
