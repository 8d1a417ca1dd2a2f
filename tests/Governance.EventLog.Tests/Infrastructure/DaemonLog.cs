using Governance.EventLog.Projections;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events;

namespace Governance.EventLog.Tests.Infrastructure;

/// <summary>
/// A log of its own with <see cref="RecordingProjection"/> (and any other projection) on Marten's async daemon, the
/// service's store appending to it; disposing stops the daemons started for it and drops nothing else.
/// </summary>
public sealed class DaemonLog : IAsyncDisposable
{
    private readonly List<IProjectionDaemon> daemons = [];

    private DaemonLog(TestLog log, MartenEventStore store)
    {
        Log = log;
        Store = store;
    }

    public TestLog Log { get; }

    public MartenEventStore Store { get; }

    public string ConnectionString => Log.ConnectionString;

    public static async Task<DaemonLog> StartAsync(Action<StoreOptions>? configure = null, IEnumerable<IInlineProjection>? inline = null)
    {
        var log = await TestLog.StartAsync(configureStore: opts =>
        {
            opts.Projections.Add<RecordingProjection>(ProjectionLifecycle.Async);
            configure?.Invoke(opts);
        });
        return new DaemonLog(log, new MartenEventStore(log.Store, log.DataSource, log.Options.Registry, inline ?? []));
    }

    /// <summary>Starts a daemon running every async projection of the store.</summary>
    public async Task<IProjectionDaemon> StartDaemonAsync()
    {
        var daemon = await Log.Store.BuildProjectionDaemonAsync();
        await daemon.StartAllAsync();
        daemons.Add(daemon);
        return daemon;
    }

    /// <summary>Waits until every async projection has applied everything committed so far.</summary>
    public Task WaitForProjectionsAsync(int seconds = 60) => Log.Store.WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(seconds));

    /// <summary>Appends one <c>thing_created</c> to each of <paramref name="count"/> appends, over three streams.</summary>
    public async Task<List<long>> AppendManyAsync(int count, string name = "x", string prefix = "thing-")
    {
        var seqs = new List<long>();
        for (var i = 0; i < count; i++)
        {
            var appended = await Store.AppendAsync($"{prefix}{i % 3}", "thing", ExpectedVersion.Any, [new ThingCreated(name)], TestEvents.Meta);
            seqs.AddRange(appended.Events.Select(e => e.Seq));
        }

        return seqs;
    }

    /// <summary>What <see cref="RecordingProjection"/> recorded: each sequence number and how often it was applied.</summary>
    public async Task<List<(long Seq, int Applied)>> RecordedAsync() =>
        (await Sql.RowsAsync(ConnectionString, $"SELECT seq_id, applied FROM {RecordingProjection.Table} ORDER BY seq_id"))
        .Select(r => ((long)r[0]!, (int)r[1]!))
        .ToList();

    /// <summary>The sequence numbers of every event in the log (not Marten's tombstones for dead gaps).</summary>
    public async Task<List<long>> LoggedAsync() =>
        (await Sql.RowsAsync(ConnectionString, "SELECT seq_id FROM governance.mt_events WHERE stream_id <> 'mt_tombstone' ORDER BY seq_id"))
        .Select(r => (long)r[0]!)
        .ToList();

    /// <summary>How far the daemon says a projection has got (<c>mt_event_progression</c>); null before it started.</summary>
    public async Task<long?> ProgressAsync(string projection) =>
        (await Sql.RowsAsync(ConnectionString, $"SELECT last_seq_id FROM governance.mt_event_progression WHERE name = '{projection}:All'"))
        .Select(r => (long?)r[0]).SingleOrDefault();

    public async ValueTask DisposeAsync()
    {
        foreach (var daemon in daemons)
        {
            await daemon.StopAllAsync();
            daemon.Dispose();
        }

        await Store.DisposeAsync();
        await Log.DisposeAsync();
    }
}
