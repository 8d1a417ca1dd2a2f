using System.Reflection;
using Governance.EventStore.Serialization;
using NodaTime;

namespace Governance.EventStore;

/// <summary>Settings of the event store and its projection daemon.</summary>
public sealed class EventStoreOptions
{
    /// <summary>The Npgsql connection string of the database that holds the log.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>How long an append waits for a stream lock held by another writer before giving up with a conflict.</summary>
    public Duration LockTimeout { get; set; } = Duration.FromSeconds(5);

    /// <summary>A transaction left open this long is ended by the server, so it cannot hold projections back for ever.</summary>
    public Duration IdleInTransactionTimeout { get; set; } = Duration.FromSeconds(60);

    /// <summary>How appends that start new streams share transactions under load.</summary>
    public GroupCommitOptions GroupCommit { get; set; } = new();

    /// <summary>The event types and upcasters.</summary>
    public EventTypeRegistry Registry { get; } = new();

    /// <summary>Migrations of other modules (read models) run after the store's own.</summary>
    public List<MigrationSet> Migrations { get; } = [];

    /// <summary>Whether this process runs the async projection daemon.</summary>
    public bool RunDaemon { get; set; } = true;

    /// <summary>How often the daemon looks for new events when no notification arrives.</summary>
    public TimeSpan DaemonPollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How often a standby daemon tries to take over a projection another node runs.</summary>
    public TimeSpan DaemonStandbyInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a projection that has just caught up waits before reading again, so that a steady trickle of
    /// commits is applied in batches rather than one transaction per commit. Adds at most this much lag.
    /// </summary>
    public TimeSpan DaemonBatchInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Events per projection batch.</summary>
    public int DaemonBatchSize { get; set; } = 1000;

    /// <summary>Attempts at one event before it is dead-lettered.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>The first retry delay; each further attempt doubles it.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>When false, a poison event stops its projection (state 'failed') instead of being skipped.</summary>
    public bool DeadLetterPoisonEvents { get; set; } = true;
}

/// <summary>SQL migrations embedded in an assembly as resources named <c>NNNN_name.sql</c> under a prefix.</summary>
public sealed record MigrationSet(string Module, Assembly Assembly, string ResourcePrefix);
