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

    /// <summary>How long an append waits for a lock held by another writer before it fails.</summary>
    public Duration LockTimeout { get; set; } = Duration.FromSeconds(5);

    /// <summary>A transaction left open this long is ended by the server, so it cannot hold projections back for ever.</summary>
    public Duration IdleInTransactionTimeout { get; set; } = Duration.FromSeconds(60);

    /// <summary>
    /// How long the daemon waits at a sequence gap before asking PostgreSQL whether a live transaction could still
    /// fill it. Safety does not depend on it (a live writer is never skipped, whatever this is); it only bounds how
    /// long a dead gap (a rolled-back append) holds every async projection. Marten's default is 3 s.
    /// </summary>
    public TimeSpan StaleSequenceThreshold { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often the daemon looks for new events while events are arriving (Marten's default).</summary>
    public TimeSpan FastPollingTime { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How often the daemon looks for new events while the log is quiet (Marten's default).</summary>
    public TimeSpan SlowPollingTime { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Tests only: lets TRUNCATE empty the log (and its hashes) so a test can start from nothing. Every other
    /// change to a stored event stays forbidden. Never set by the service.
    /// </summary>
    public bool AllowEmptyingForTests { get; set; }
}
