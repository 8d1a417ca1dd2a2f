using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace Governance.Api.Core.Storage;

/// <summary>
/// An async read model on Marten's daemon whose every write is SQL queued into the daemon's batch, so it commits with the
/// projection's progress or not at all. The writes are idempotent and total; an event that cannot be applied is logged
/// and passed over, because Marten pauses a raw projection that throws and one bad event must not hold back the rest.
/// </summary>
/// <remarks>
/// A read model says what it does with each event type it follows (<see cref="On{TEvent}"/>), and those types are all
/// the daemon loads for it (<see cref="StorageExtensions.AddAsyncReadModel{T}"/>): a log written mostly with
/// evaluations is not read and deserialized again for read models that never look at one.
/// </remarks>
public abstract class QueuedSqlProjection(ILogger logger, string readModel) : IProjection
{
    private readonly Dictionary<Type, Action<IDocumentOperations, object>> handlers = [];

    /// <summary>The event types the read model follows: the only ones it is given.</summary>
    public IReadOnlyCollection<Type> EventTypes => handlers.Keys;

    /// <summary>Declares what one event type does to the read model (the writes it queues).</summary>
    protected void On<TEvent>(Action<IDocumentOperations, TEvent> apply)
        where TEvent : notnull =>
        handlers.Add(typeof(TEvent), (operations, data) => apply(operations, (TEvent)data));

    /// <inheritdoc />
    public Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(events);
        foreach (var @event in events)
        {
            if (!handlers.TryGetValue(@event.Data.GetType(), out var apply))
            {
                continue;
            }

            try
            {
                apply(operations, @event.Data);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "{ReadModel}: event {Sequence} ({Type}) could not be applied; passed over", readModel, @event.Sequence, @event.EventTypeName);
            }
        }

        return Task.CompletedTask;
    }
}
