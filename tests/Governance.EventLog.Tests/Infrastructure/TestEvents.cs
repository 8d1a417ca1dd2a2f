using NodaTime;

namespace Governance.EventLog.Tests.Infrastructure;

public sealed record ThingCreated(string Name);

public sealed record ThingRenamed(string Name);

/// <summary>
/// One writer's append in the concurrency tests. <c>Sleep</c> seconds are spent inside the transaction after the
/// sequence number was drawn (test-only trigger), or before the commit starts when <c>SleepBeforeCommit</c>
/// (a session listener: the window in which Rich mode has already drawn its numbers); <c>Fail</c> rolls it back.
/// </summary>
public sealed record Tick(int Writer, int N, double Sleep = 0, bool SleepBeforeCommit = false, bool Fail = false);

public enum Colour
{
    DeepBlue,
    Red,
}

public sealed record Shaped(Instant At, LocalDate Day, LocalTime Time, Duration Window, Colour Colour, string? Note = null);

/// <summary>One writer's numbered event, in the tests that race writers on the service's store.</summary>
public sealed record Counted(int Writer, int Number);

public sealed record Scheduled(Instant At, Duration Every, LocalDate Day, LocalTime Time, DateTimeZone Zone);

/// <summary>A thing's name and how often it was renamed, folded by the service's store.</summary>
public sealed record ThingState(string? Name, int Renames) : IStreamState<ThingState>
{
    public const string StreamType = "thing";

    public static ThingState Initial { get; } = new(null, 0);

    public ThingState Evolve(StoredEvent @event) => @event.Data switch
    {
        ThingCreated created => this with { Name = created.Name },
        ThingRenamed renamed => this with { Name = renamed.Name, Renames = Renames + 1 },
        _ => this,
    };
}

/// <summary>Deliberately never registered.</summary>
public sealed record Stray(string Name);

/// <summary>The aggregate of <c>thing-…</c> streams.</summary>
public sealed class Thing
{
    public string Id { get; set; } = "";

    public string Name { get; set; } = "";

    public int Renames { get; set; }

    public static Thing Create(ThingCreated e) => new() { Name = e.Name };

    public void Apply(ThingRenamed e)
    {
        Name = e.Name;
        Renames++;
    }
}

public static class TestEvents
{
    public static EventTypeRegistry RegisterTestEvents(this EventTypeRegistry registry) => registry
        .Register<ThingCreated>().Register<ThingRenamed>().Register<Tick>().Register<Shaped>().Register<Counted>().Register<Scheduled>();

    public static readonly EventMetadata Meta = new("ana", "corr-1", "cause-1", "4bf92f3577b34da6a3ce929d0e0e4736",
        new Dictionary<string, string> { ["userAgent"] = "gov/1.0", ["remoteIp"] = "10.0.0.7" });

    public static string NewStream(string prefix = "thing") => $"{prefix}-{Guid.NewGuid():N}";
}
