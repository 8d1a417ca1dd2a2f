using Governance.EventLog;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using NodaTime;
using Wolverine;
using Wolverine.Marten;
using Wolverine.Marten.Subscriptions;

namespace Governance.Api.Core.Outbox;

/// <summary>An event as it was committed to the log, handed to whatever the outbox forwards it to.</summary>
public sealed record CommittedEvent(
    long Sequence, Guid Id, string StreamId, long Version, string Type, Instant RecordedAt, string Actor, object Data);

/// <summary>
/// The outbox for committed events: a Marten subscription, so it reads the committed log (every writer, group commit
/// included) in order, runs wherever the async projections run (one node at a time), and sees only what committed — a
/// rolled-back append never reaches it. Each page is handed over with a Wolverine bus enlisted in the transaction that
/// also moves the subscription's progress: the messages it publishes and the rows it queues are stored with that
/// progress or not at all, and are sent only after it commits. A node that dies after the commit leaves the messages
/// in PostgreSQL for the next one; one that dies before leaves the progress where it was, so the page is read again
/// (at least once, never lost).
/// </summary>
public abstract class CommittedEventOutbox(string name, EventTypeRegistry registry) : BatchSubscription(name)
{
    /// <inheritdoc />
    public sealed override async Task ProcessEventsAsync(
        EventRange page, ISubscriptionController controller, IDocumentOperations operations, IMessageBus bus, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(page);
        var events = page.Events
            .Select(e => new CommittedEvent(
                e.Sequence, e.Id, e.StreamKey ?? e.StreamId.ToString(), e.Version, registry.NameOf(e.EventType),
                Instant.FromDateTimeOffset(e.Timestamp), e.UserName ?? "unknown", e.Data))
            .ToList();
        if (events.Count > 0)
        {
            await ForwardAsync(events, operations, bus, cancellationToken);
        }
    }

    /// <summary>
    /// Forwards one page of committed events, in log order. Write with <paramref name="operations"/> (queued SQL) and
    /// publish with <paramref name="bus"/>: both commit with the subscription's progress.
    /// </summary>
    protected abstract Task ForwardAsync(IReadOnlyList<CommittedEvent> events, IDocumentOperations operations, IMessageBus bus, CancellationToken ct);
}

/// <summary>Registering an outbox.</summary>
public static class OutboxExtensions
{
    /// <summary>
    /// Runs <typeparamref name="T"/> as a subscription of Marten's event store with Wolverine's outbox: under the async
    /// daemon (or whatever distributes it), from its stored progress.
    /// </summary>
    public static IServiceCollection AddCommittedEventOutbox<T>(this IServiceCollection services) where T : CommittedEventOutbox =>
        services.SubscribeToEventsWithServices<T>(ServiceLifetime.Singleton);
}
