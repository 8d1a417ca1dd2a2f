using System.Text.Json.Serialization;
using Governance.EventLog;
using NodaTime;

namespace Governance.Api.Slos;

/// <summary>What a breach asks for: someone now (page) or someone soon (ticket).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<BreachKind>))]
public enum BreachKind
{
    [JsonStringEnumMemberName("page")] Page,
    [JsonStringEnumMemberName("ticket")] Ticket,
}

/// <summary>An SLO was defined: a ratio SLI (good/total) of a model in a stage, an objective over a rolling window, and how late labels arrive.</summary>
public sealed record SloDefined(string Id, string Name, string Model, string? Team, string Stage, double Objective, Duration Window, Duration LabelDelay,
    string Description, string DefinedBy, Instant DefinedAt);

/// <summary>An SLO's definition changed (its model and stage never do); the previous objective and window are kept for the record.</summary>
public sealed record SloRevised(string Id, string Name, string Model, string Stage, double Objective, Duration Window, Duration LabelDelay,
    string Description, double PreviousObjective, Duration PreviousWindow, string RevisedBy, Instant RevisedAt);

/// <summary>The error budget burns too fast: the SRE Workbook's multiwindow, multi-burn-rate condition held.</summary>
public sealed record SloBreached(string Id, string Model, string Stage, BreachKind Kind, string LongWindow, string ShortWindow,
    double LongBurnRate, double ShortBurnRate, string? IncidentId, string DetectedBy, Instant DetectedAt);

/// <summary>The burn is back under every threshold.</summary>
public sealed record SloRecovered(string Id, string Model, string Stage, BreachKind Kind, Instant BreachedAt, string RecoveredBy, Instant RecoveredAt);

/// <summary>A breach still going on.</summary>
public sealed record ActiveBreach(BreachKind Kind, Instant Since, string? IncidentId);

/// <summary>The state of an SLO stream.</summary>
public sealed record Slo(string Id, string Name, string Model, string? Team, string Stage, double Objective, Duration Window, Duration LabelDelay,
    string Description, ActiveBreach? Breach, SloBreached? LastBreach) : IStreamState<Slo>
{
    /// <summary>The stream type.</summary>
    public const string StreamType = "slo";

    /// <summary>The stream id of an SLO.</summary>
    public static string StreamId(string id) => $"slo-{id}";

    /// <summary>A fresh SLO id.</summary>
    public static string NewId() => "slo-" + Guid.CreateVersion7().ToString("N")[..20];

    /// <inheritdoc />
    public static Slo Initial { get; } = new("", "", "", null, "", 0, Duration.Zero, Duration.Zero, "", null, null);

    /// <inheritdoc />
    public Slo Evolve(StoredEvent @event) => @event.Data switch
    {
        SloDefined d => new Slo(d.Id, d.Name, d.Model, d.Team, d.Stage, d.Objective, d.Window, d.LabelDelay, d.Description, null, null),
        SloRevised r => this with { Name = r.Name, Objective = r.Objective, Window = r.Window, LabelDelay = r.LabelDelay, Description = r.Description },
        SloBreached b => this with { Breach = new ActiveBreach(b.Kind, b.DetectedAt, b.IncidentId), LastBreach = b },
        SloRecovered => this with { Breach = null },
        _ => this,
    };

    /// <summary>Registers the stream's events.</summary>
    public static void RegisterEvents(EventTypeRegistry registry) =>
        registry.Register<SloDefined>().Register<SloRevised>().Register<SloBreached>().Register<SloRecovered>();
}
