using Governance.EventStore.Serialization;
using NodaTime;

namespace Governance.EventStore.Tests.Infrastructure;

public sealed record ThingCreated(string Name);

public sealed record ThingRenamed(string Name);

public sealed record Counted(int Writer, int Number);

public sealed record Scheduled(Instant At, Duration Every, LocalDate Day, LocalTime Time, DateTimeZone Zone);

/// <summary>A test stream state: the thing's name and how often it was renamed.</summary>
public sealed record ThingState(string? Name, int Renames) : IStreamState<ThingState>
{
    public static ThingState Initial { get; } = new(null, 0);

    public ThingState Evolve(StoredEvent @event) => @event.Data switch
    {
        ThingCreated created => this with { Name = created.Name },
        ThingRenamed renamed => this with { Name = renamed.Name, Renames = Renames + 1 },
        _ => this,
    };
}

public static class TestEvents
{
    public static EventTypeRegistry RegisterTestEvents(this EventTypeRegistry registry) =>
        registry.Register<ThingCreated>().Register<ThingRenamed>().Register<Counted>().Register<Scheduled>();

    public static EventMetadata Meta { get; } = new("test-user", CorrelationId: "correlation-1");

    public static string NewStream(string prefix = "thing") => $"{prefix}-{Guid.NewGuid():N}";
}
