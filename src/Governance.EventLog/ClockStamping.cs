using Marten;
using Marten.Services;
using NodaTime;

namespace Governance.EventLog;

/// <summary>
/// Runs before every commit: stamps each new event with the service's clock and refuses event types that were
/// never registered (their stored name would otherwise be whatever Marten derives from the .NET type name).
/// </summary>
/// <remarks>
/// The time comes from the same <see cref="IClock"/> deciders use, so point-in-time answers (<c>at=</c>) agree
/// with the <c>…At</c> fields of the events, and a fake clock in tests gives deterministic history. It is set per
/// event rather than through Marten's store-wide <c>TimeProvider</c>, which the daemon also uses for its own
/// timing (a paused agent is restarted once the provider's "now" moves past its pause time): a frozen test clock
/// must not freeze the daemon. Marten has already stamped the event from its own provider by now, so this
/// overwrites every timestamp. The one exception is the import of the previous store's events, which must keep the
/// times they were recorded at: it writes through a store of its own (never exposed, never serving requests) whose
/// listener is made by <see cref="KeepingRecordedTimes"/>.
/// </remarks>
internal sealed class ClockStamping(EventTypeRegistry registry, IClock clock, bool keepRecordedTimes = false) : DocumentSessionListenerBase
{
    /// <summary>The listener of the legacy import's store: the registration check without the stamping.</summary>
    internal static ClockStamping KeepingRecordedTimes(EventTypeRegistry registry) => new(registry, SystemClock.Instance, keepRecordedTimes: true);

    public override Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken token)
    {
        DateTimeOffset? now = null;
        foreach (var stream in session.PendingChanges.Streams())
        {
            foreach (var @event in stream.Events)
            {
                if (!registry.IsRegistered(@event.EventType))
                {
                    throw new UnregisteredEventException(@event.EventType);
                }

                if (!keepRecordedTimes)
                {
                    @event.Timestamp = now ??= clock.GetCurrentInstant().ToDateTimeOffset();
                }
            }
        }

        return Task.CompletedTask;
    }
}

/// <summary>An event of a type that no feature registered was about to be appended; nothing was written.</summary>
public sealed class UnregisteredEventException(Type eventType)
    : InvalidOperationException(
        $"Event type {eventType.FullName} is not registered with the event log, so it has no stored name. " +
        "Register it in its feature module (registry.Register<T>()).")
{
    /// <summary>The type that was refused.</summary>
    public Type EventType { get; } = eventType;
}
