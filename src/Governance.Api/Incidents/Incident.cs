using System.Text.Json.Serialization;
using Governance.Api.Rotations;
using Governance.EventLog;
using NodaTime;

namespace Governance.Api.Incidents;

/// <summary>How bad an incident (or an alert) is; SEV1 is the worst.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Severity>))]
public enum Severity
{
    /// <summary>Critical: acknowledge within 15 minutes.</summary>
    [JsonStringEnumMemberName("SEV1")] Sev1 = 1,

    /// <summary>Major: acknowledge within 30 minutes.</summary>
    [JsonStringEnumMemberName("SEV2")] Sev2 = 2,

    /// <summary>Minor.</summary>
    [JsonStringEnumMemberName("SEV3")] Sev3 = 3,

    /// <summary>Cosmetic or informational.</summary>
    [JsonStringEnumMemberName("SEV4")] Sev4 = 4,
}

/// <summary>Where an incident came from.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<IncidentSource>))]
public enum IncidentSource
{
    [JsonStringEnumMemberName("user-report")] UserReport,
    [JsonStringEnumMemberName("alert")] Alert,
    [JsonStringEnumMemberName("slo-breach")] SloBreach,
    [JsonStringEnumMemberName("pipeline-failure")] PipelineFailure,
    [JsonStringEnumMemberName("data-quality")] DataQuality,
}

/// <summary>What kind of failure it was: the study's taxonomy of ML production bugs.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<IncidentCategory>))]
public enum IncidentCategory
{
    [JsonStringEnumMemberName("data-drift-natural")] DataDriftNatural,
    [JsonStringEnumMemberName("data-drift-unnatural")] DataDriftUnnatural,
    [JsonStringEnumMemberName("feedback-delay")] FeedbackDelay,
    [JsonStringEnumMemberName("pipeline-bug")] PipelineBug,
    [JsonStringEnumMemberName("label-error")] LabelError,
    [JsonStringEnumMemberName("other")] Other,
}

/// <summary>Where an incident is in its life.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<IncidentStatus>))]
public enum IncidentStatus
{
    [JsonStringEnumMemberName("open")] Open,
    [JsonStringEnumMemberName("acknowledged")] Acknowledged,
    [JsonStringEnumMemberName("mitigated")] Mitigated,
    [JsonStringEnumMemberName("resolved")] Resolved,
}

/// <summary>How the bleeding was stopped.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MitigationAction>))]
public enum MitigationAction
{
    [JsonStringEnumMemberName("rollback")] Rollback,
    [JsonStringEnumMemberName("fallback")] Fallback,
    [JsonStringEnumMemberName("filter")] Filter,
    [JsonStringEnumMemberName("retrain")] Retrain,
    [JsonStringEnumMemberName("other")] Other,
}

/// <summary>Text forms used in read models and query strings.</summary>
public static class OperationsText
{
    /// <summary>SEV1…SEV4.</summary>
    public static string Text(this Severity severity) => "SEV" + (int)severity;

    /// <summary>open, acknowledged, mitigated, resolved.</summary>
    public static string Text(this IncidentStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>Parses SEV1…SEV4 (any case).</summary>
    public static Severity? ParseSeverity(string? text) => text?.ToUpperInvariant() switch
    {
        "SEV1" => Severity.Sev1,
        "SEV2" => Severity.Sev2,
        "SEV3" => Severity.Sev3,
        "SEV4" => Severity.Sev4,
        _ => null,
    };
}

/// <summary>An action item of a postmortem: what will be done, of which kind, by whom.</summary>
public sealed record ActionItem(string Description, string Type, string Owner);

/// <summary>A slice a postmortem adds to an evaluation suite, so the failure is tested for from now on.</summary>
public sealed record PostmortemSlice(string Suite, string Name, string Metric, double? Threshold);

/// <summary>An incident was opened and routed to the owning team's primary on call at that moment.</summary>
public sealed record IncidentOpened(
    string Id, string Model, string? Team, string? Stage, string? Version, Severity Severity, string Title, string Description,
    IncidentSource Source, IncidentCategory? Category, string? Assignee, string? Secondary, Instant? AckDeadline,
    string? SloId, string? AlertId, string OpenedBy, Instant OpenedAt);

/// <summary>Someone took the incident.</summary>
public sealed record IncidentAcknowledged(string Id, string Model, string? Note, string AcknowledgedBy, Instant AcknowledgedAt);

/// <summary>The incident was handed to someone.</summary>
public sealed record IncidentAssigned(string Id, string Model, string Assignee, string? PreviousAssignee, string AssignedBy, Instant AssignedAt);

/// <summary>Nobody acknowledged in time: the incident went to the secondary on call.</summary>
public sealed record IncidentEscalated(string Id, string Model, Severity Severity, string? From, string? To, Instant Deadline, string EscalatedBy, Instant EscalatedAt);

/// <summary>The impact was stopped, not yet fixed.</summary>
public sealed record IncidentMitigated(string Id, string Model, MitigationAction Action, string? Note, string MitigatedBy, Instant MitigatedAt);

/// <summary>The incident is over.</summary>
public sealed record IncidentResolved(string Id, string Model, string? Resolution, string ResolvedBy, Instant ResolvedAt);

/// <summary>It came back.</summary>
public sealed record IncidentReopened(string Id, string Model, string Reason, Instant? AckDeadline, string ReopenedBy, Instant ReopenedAt);

/// <summary>What was learned, written down where the next engineer will find it.</summary>
public sealed record PostmortemPublished(
    string Id, string Model, string Summary, string Impact, string RootCause, string Trigger, IReadOnlyList<ActionItem> ActionItems,
    string Lessons, PostmortemSlice? AddSlice, string PublishedBy, Instant PublishedAt);

/// <summary>The state of an incident stream.</summary>
public sealed record Incident(
    string Id, string Model, string? Team, string? Stage, string? Version, Severity Severity, string Title, string Description,
    IncidentSource Source, IncidentCategory? Category, IncidentStatus Status, string? Assignee, Instant? AckDeadline, bool Escalated,
    string OpenedBy, Instant OpenedAt, Instant? AcknowledgedAt, Instant? ResolvedAt, MitigationAction? Mitigation,
    PostmortemPublished? Postmortem) : IStreamState<Incident>
{
    /// <summary>The stream type.</summary>
    public const string StreamType = "incident";

    /// <summary>How long it had to be acknowledged when it was opened (the team's policy then); a reopening gets as long again.</summary>
    public Duration? AckWindow { get; init; }

    /// <summary>Who opens incidents on the service's own behalf (SLO breaches) and escalates them.</summary>
    public const string System = "system";

    /// <summary>The stream id of an incident.</summary>
    public static string StreamId(string id) => $"incident-{id}";

    /// <summary>A fresh incident id.</summary>
    public static string NewId() => "inc-" + Guid.CreateVersion7().ToString("N")[..20];

    /// <summary>
    /// How long a severity may stay unacknowledged before it escalates: the team's escalation policy (set with its
    /// rotation) when it names the severity, otherwise 15 minutes for SEV1, 30 for SEV2; null when it never escalates.
    /// </summary>
    public static Duration? AckDeadlineFor(Severity severity, Rotation? rotation = null) => rotation?.AckDeadline(severity.Text()) ?? severity switch
    {
        Severity.Sev1 => Duration.FromMinutes(15),
        Severity.Sev2 => Duration.FromMinutes(30),
        _ => null,
    };

    /// <inheritdoc />
    public static Incident Initial { get; } = new("", "", null, null, null, Severity.Sev4, "", "", IncidentSource.UserReport, null,
        IncidentStatus.Open, null, null, false, "", default, null, null, null, null);

    /// <summary>
    /// The opening event for a new incident on <paramref name="model"/>, routed to the primary of
    /// <paramref name="rotation"/> at <paramref name="now"/> (unassigned when the team has nobody on call).
    /// </summary>
    public static IncidentOpened Open(
        string id, string model, string? team, Rotation? rotation, Severity severity, string title, string description,
        IncidentSource source, IncidentCategory? category, string? stage, string? version, string? sloId, string? alertId, Instant now, string actor)
    {
        var onCall = rotation?.At(now);
        return new IncidentOpened(id, model, team, stage, version, severity, title, description, source, category,
            onCall?.Primary, onCall?.Secondary, AckDeadlineFor(severity, rotation) is { } d ? now + d : null, sloId, alertId, actor, now);
    }

    /// <inheritdoc />
    public Incident Evolve(StoredEvent @event) => @event.Data switch
    {
        IncidentOpened o => new Incident(o.Id, o.Model, o.Team, o.Stage, o.Version, o.Severity, o.Title, o.Description, o.Source, o.Category,
            IncidentStatus.Open, o.Assignee, o.AckDeadline, false, o.OpenedBy, o.OpenedAt, null, null, null, null)
        {
            AckWindow = o.AckDeadline - o.OpenedAt,
        },
        IncidentAcknowledged a => this with { Status = IncidentStatus.Acknowledged, AcknowledgedAt = a.AcknowledgedAt },
        IncidentAssigned a => this with { Assignee = a.Assignee },
        IncidentEscalated e => this with { Escalated = true, Assignee = e.To ?? Assignee },
        IncidentMitigated m => this with { Status = IncidentStatus.Mitigated, Mitigation = m.Action },
        IncidentResolved r => this with { Status = IncidentStatus.Resolved, ResolvedAt = r.ResolvedAt },
        IncidentReopened r => this with { Status = IncidentStatus.Open, AcknowledgedAt = null, ResolvedAt = null, AckDeadline = r.AckDeadline, Escalated = false },
        PostmortemPublished p => this with { Postmortem = p },
        _ => this,
    };

    /// <summary>Registers the stream's events.</summary>
    public static void RegisterEvents(EventTypeRegistry registry) =>
        registry.Register<IncidentOpened>().Register<IncidentAcknowledged>().Register<IncidentAssigned>().Register<IncidentEscalated>()
            .Register<IncidentMitigated>().Register<IncidentResolved>().Register<IncidentReopened>().Register<PostmortemPublished>();
}
