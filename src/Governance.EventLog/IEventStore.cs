using Governance.EventLog.Guarantees;
using NodaTime;

namespace Governance.EventLog;

/// <summary>The state of a stream, folded from its events: <c>Initial</c>, then <c>Evolve</c> for each event.</summary>
public interface IStreamState<TSelf> where TSelf : IStreamState<TSelf>
{
    /// <summary>The state before the first event.</summary>
    static abstract TSelf Initial { get; }

    /// <summary>The state after one more event.</summary>
    TSelf Evolve(StoredEvent @event);
}

/// <summary>A folded stream and the version it was folded up to.</summary>
public sealed record Aggregate<T>(T State, long Version);

/// <summary>Which part of a stream to read.</summary>
public sealed record StreamRead(long FromVersion = 1, long? ToVersion = null, Instant? AsOf = null);

/// <summary>
/// The service's view of the event log: streams with optimistic concurrency, read in commit order without skipping.
/// Marten does the appending (<see cref="MartenEventStore"/>); this narrow shape is what commands and projections see.
/// </summary>
public interface IEventStore
{
    /// <summary>Appends events to one stream.</summary>
    Task<AppendResult> AppendAsync(string streamId, string streamType, ExpectedVersion expected, IReadOnlyList<object> events, EventMetadata metadata, CancellationToken ct = default);

    /// <summary>Appends to several streams atomically (a unit of work): all or nothing.</summary>
    Task<AppendResult> AppendAsync(IReadOnlyList<StreamAppend> appends, EventMetadata metadata, CancellationToken ct = default);

    /// <summary>
    /// Starts a stream whose id the caller has just made up, so that nobody else can be writing it (it must not exist:
    /// a <see cref="ConcurrencyException"/> otherwise). Concurrent calls may share one transaction and one commit
    /// (group commit); each still gets its own events back, or its own error.
    /// </summary>
    Task<AppendResult> StartStreamAsync(string streamId, string streamType, IReadOnlyList<object> events, EventMetadata metadata, CancellationToken ct = default);

    /// <summary>The events of a stream, oldest first.</summary>
    Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(string streamId, StreamRead? read = null, CancellationToken ct = default);

    /// <summary>The stream's current version, 0 when it does not exist.</summary>
    Task<long> GetStreamVersionAsync(string streamId, CancellationToken ct = default);

    /// <summary>Folds a stream (optionally as of a past instant); null when there is no such stream then.</summary>
    Task<Aggregate<T>?> AggregateStreamAsync<T>(string streamId, Instant? asOf = null, CancellationToken ct = default)
        where T : IStreamState<T>;

    /// <summary>
    /// Events after <paramref name="after"/> in daemon order, only below the oldest transaction still running,
    /// so no later commit can ever land behind the returned page.
    /// </summary>
    Task<IReadOnlyList<StoredEvent>> ReadAllAsync(LogPosition after, int limit, CancellationToken ct = default);

    /// <summary>Recomputes every stream's hash chain and reports any break.</summary>
    Task<HashChainReport> VerifyHashChainsAsync(CancellationToken ct = default);
}
