using NodaTime;

namespace Governance.EventLog;

/// <summary>Settings of the event log: where it lives, which events it holds, how its daemon waits out gaps.</summary>
public sealed class EventLogOptions
{
    /// <summary>The schema of every table of the log (Marten's <c>mt_*</c> and ours).</summary>
    public const string Schema = "governance";

    /// <summary>The Npgsql connection string of the database that holds the log.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>The event types and their stored names.</summary>
    public EventTypeRegistry Registry { get; } = new();

    /// <summary>The stream states commands load through Marten (<see cref="Fold{T}"/>).</summary>
    public Streams.FoldedStreams Folded { get; } = new();

    internal List<Action<Marten.StoreOptions>> Folds { get; } = [];

    /// <summary>Lets commands load and append to <typeparamref name="T"/> streams through Marten (<c>FetchForWriting</c>).</summary>
    public EventLogOptions Fold<T>() where T : class, IStreamState<T>
    {
        Folds.Add(opts => Folded.Add<T>(opts, Registry));
        return this;
    }

    /// <summary>How long an append waits for a lock held by another writer before it fails.</summary>
    public Duration LockTimeout { get; set; } = Duration.FromSeconds(5);

    /// <summary>A transaction left open this long is ended by the server, so it cannot hold projections back for ever.</summary>
    public Duration IdleInTransactionTimeout { get; set; } = Duration.FromSeconds(60);

    /// <summary>
    /// How long the daemon waits at a sequence gap before asking PostgreSQL whether a live transaction could still
    /// fill it. Safety does not depend on it (a live writer is never skipped, whatever this is); it only bounds how
    /// long a dead gap (an append that drew a number and then failed) holds every async projection. Marten's default
    /// is 3 s; at 1 s, one dead gap a second kept projections 1.4–2.7 s behind (docs/benchmarks.md, lag).
    /// </summary>
    public TimeSpan StaleSequenceThreshold { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How often the daemon looks for new events while events are arriving. Marten's default is 250 ms; the lag
    /// target (p99 under 500 ms from commit to projection) needs the shorter interval on a loaded machine.
    /// </summary>
    public TimeSpan FastPollingTime { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How often the daemon looks for new events while it sees little activity — including while its high-water
    /// mark waits at a gap, which is why it matters for how long a dead gap stalls projections. Marten's default is 1 s.
    /// One cheap query per interval on an idle node.
    /// </summary>
    public TimeSpan SlowPollingTime { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Tests only: lets TRUNCATE empty the log (and its hashes) so a test can start from nothing. Every other
    /// change to a stored event stays forbidden. Never set by the service.
    /// </summary>
    public bool AllowEmptyingForTests { get; set; }
}
