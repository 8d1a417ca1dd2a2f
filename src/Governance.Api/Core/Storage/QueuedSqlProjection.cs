using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace Governance.Api.Core.Storage;

/// <summary>
/// An async read model on Marten's daemon whose every write is SQL queued into the daemon's batch, so it commits with the
/// projection's progress or not at all. The writes are idempotent and total; an event that cannot be applied is logged
/// and passed over, because Marten pauses a raw projection that throws and one bad event must not hold back the rest.
/// </summary>
public abstract class QueuedSqlProjection(ILogger logger, string readModel) : IProjection
{
    /// <inheritdoc />
    public Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(events);
        foreach (var @event in events)
        {
            try
            {
                Apply(operations, @event.Data);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "{ReadModel}: event {Sequence} ({Type}) could not be applied; passed over", readModel, @event.Sequence, @event.EventTypeName);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Queues the writes one event makes (none for events the read model does not follow).</summary>
    protected abstract void Apply(IDocumentOperations operations, object data);
}
