using System.Collections.Concurrent;
using System.Reflection;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Aggregation;
using NodaTime;

namespace Governance.EventLog.Streams;

/// <summary>
/// A stream folded into its state, as Marten hands it to a command (<c>FetchForWriting</c>): the service's states are
/// immutable records folded by <see cref="IStreamState{TSelf}.Evolve"/>, so Marten aggregates this small document
/// around them instead of the records themselves (a Marten aggregate needs an <c>Id</c> and a mutable shape).
/// </summary>
public sealed class Folded<T> where T : class, IStreamState<T>
{
    /// <summary>The stream id.</summary>
    public string Id { get; set; } = "";

    /// <summary>The state after the last event read.</summary>
    public T State { get; set; } = T.Initial;

    /// <summary>The version of the last event folded in.</summary>
    public long Version { get; set; }
}

/// <summary>Folds a stream's events into <see cref="Folded{T}"/> with the state's own <c>Evolve</c>.</summary>
public sealed class FoldedProjection<T> : SingleStreamProjection<Folded<T>, string> where T : class, IStreamState<T>
{
    private readonly EventTypeRegistry registry;
    private readonly string streamType;

    /// <summary>Folds streams of <paramref name="streamType"/>.</summary>
    public FoldedProjection(EventTypeRegistry registry, string streamType)
    {
        this.registry = registry;
        this.streamType = streamType;
        Lifecycle = ProjectionLifecycle.Live;
    }

    /// <inheritdoc />
    public override Folded<T>? Evolve(Folded<T>? snapshot, string id, IEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var state = (snapshot?.State ?? T.Initial).Evolve(new StoredEvent(
            e.Sequence, 0, e.Id, id, streamType, (int)e.Version, registry.NameOf(e.EventType), e.Data,
            Projections.StoredEvents.MetadataOf(e), Instant.FromDateTimeOffset(e.Timestamp), []));
        return new Folded<T> { Id = id, State = state, Version = e.Version };
    }
}

/// <summary>The stream states commands load through Marten, and the stream type each one's streams are stored under.</summary>
public sealed class FoldedStreams
{
    private readonly ConcurrentDictionary<Type, string> streamTypes = new();

    /// <summary>The stream type a <see cref="Folded{T}"/> aggregate's new streams get, if it is one.</summary>
    public string? StreamTypeOf(Type aggregateType) => streamTypes.GetValueOrDefault(aggregateType);

    /// <summary>
    /// Lets commands load <typeparamref name="T"/> streams with Marten. The stream type is the state's
    /// <c>StreamType</c> constant, the name its streams have always had.
    /// </summary>
    public FoldedStreams Add<T>(StoreOptions opts, EventTypeRegistry registry) where T : class, IStreamState<T>
    {
        ArgumentNullException.ThrowIfNull(opts);
        var streamType = typeof(T).GetField("StreamType", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string
                         ?? throw new InvalidOperationException($"{typeof(T).Name} needs a public const string StreamType.");
        streamTypes[typeof(Folded<T>)] = streamType;
        opts.Projections.Add(new FoldedProjection<T>(registry, streamType), ProjectionLifecycle.Live);
        return this;
    }
}
