using System.Text.Json.Serialization;
using Governance.Api.Incidents;
using Governance.EventLog;
using NodaTime;

namespace Governance.Api.Alerts;

/// <summary>Where an alert is in its life.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AlertStatus>))]
public enum AlertStatus
{
    [JsonStringEnumMemberName("open")] Open,
    [JsonStringEnumMemberName("acknowledged")] Acknowledged,
    [JsonStringEnumMemberName("escalated")] Escalated,
    [JsonStringEnumMemberName("resolved")] Resolved,
}

/// <summary>A monitoring rule fired on a model.</summary>
public sealed record AlertFired(string Id, string Rule, string Model, string? Team, Severity Severity, string? DedupKey, string Summary, string FiredBy, Instant FiredAt,
    Instant? AckDeadline = null);

/// <summary>The same alert (same dedup key, still unresolved) fired again; it is counted, not re-opened.</summary>
public sealed record AlertRepeated(string Id, string Rule, string Model, string Summary, int Count, string RepeatedBy, Instant RepeatedAt);

/// <summary>Someone looked at the alert and said whether it was worth their time.</summary>
public sealed record AlertAcknowledged(string Id, string Rule, string Model, bool Actionable, string? Note, string AcknowledgedBy, Instant AcknowledgedAt);

/// <summary>The alert became an incident.</summary>
public sealed record AlertEscalated(string Id, string Rule, string Model, string IncidentId, Severity Severity, string EscalatedBy, Instant EscalatedAt);

/// <summary>The condition cleared.</summary>
public sealed record AlertResolved(string Id, string Rule, string Model, string? Note, string ResolvedBy, Instant ResolvedAt);

/// <summary>The state of an alert stream.</summary>
public sealed record Alert(
    string Id, string Rule, string Model, string? Team, Severity Severity, string? DedupKey, string Summary, AlertStatus Status, int Repeats,
    Instant FiredAt, Instant? AcknowledgedAt, bool? Actionable, string? IncidentId) : IStreamState<Alert>
{
    /// <summary>The stream type.</summary>
    public const string StreamType = "alert";

    /// <summary>The stream id of an alert.</summary>
    public static string StreamId(string id) => $"alert-{id}";

    /// <summary>A fresh alert id.</summary>
    public static string NewId() => "alr-" + Guid.CreateVersion7().ToString("N")[..20];

    /// <inheritdoc />
    public static Alert Initial { get; } = new("", "", "", null, Severity.Sev4, null, "", AlertStatus.Open, 0, default, null, null, null);

    /// <inheritdoc />
    public Alert Evolve(StoredEvent @event) => @event.Data switch
    {
        AlertFired f => new Alert(f.Id, f.Rule, f.Model, f.Team, f.Severity, f.DedupKey, f.Summary, AlertStatus.Open, 0, f.FiredAt, null, null, null),
        AlertRepeated r => this with { Repeats = r.Count, Summary = r.Summary },
        AlertAcknowledged a => this with { Status = Status == AlertStatus.Escalated ? Status : AlertStatus.Acknowledged, AcknowledgedAt = a.AcknowledgedAt, Actionable = a.Actionable },
        AlertEscalated e => this with { Status = AlertStatus.Escalated, IncidentId = e.IncidentId },
        AlertResolved => this with { Status = AlertStatus.Resolved },
        _ => this,
    };

    /// <summary>Registers the stream's events.</summary>
    public static void RegisterEvents(EventTypeRegistry registry) =>
        registry.Register<AlertFired>().Register<AlertRepeated>().Register<AlertAcknowledged>().Register<AlertEscalated>().Register<AlertResolved>();
}
