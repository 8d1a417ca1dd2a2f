using System.Text.Json.Serialization;

namespace Governance.EventStore;

/// <summary>Who caused an event and how it connects to other work. The actor is always the authenticated principal.</summary>
public sealed record EventMetadata(
    string Actor,
    string? CorrelationId = null,
    string? CausationId = null,
    string? TraceId = null,
    IReadOnlyDictionary<string, string>? Headers = null)
{
    /// <summary>Metadata for work the system does on its own (daemons, timers).</summary>
    public static EventMetadata System(string component) => new($"system:{component}");

    [JsonIgnore]
    internal static EventMetadata Empty { get; } = new("unknown");
}
