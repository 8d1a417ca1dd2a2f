using Governance.EventLog;
using Marten;
using Npgsql;

namespace Governance.Bench;

/// <summary>
/// The event log as the service configures it (<see cref="EventLogStore"/>: Quick appends, exclusive append lock,
/// the guard and hash-chain triggers) on a benchmark database, with the bench events registered and its schema applied.
/// </summary>
public sealed class BenchLog : IAsyncDisposable
{
    private BenchLog(EventLogOptions options, NpgsqlDataSource dataSource, DocumentStore store)
    {
        Options = options;
        DataSource = dataSource;
        Store = store;
    }

    public EventLogOptions Options { get; }

    /// <summary>The log's own data source (<see cref="EventLogStore.CreateDataSource"/>).</summary>
    public NpgsqlDataSource DataSource { get; }

    public DocumentStore Store { get; }

    /// <summary>
    /// Opens the log on <paramref name="connectionString"/>. To compare settings without a rebuild:
    /// BENCH_LOG_CONNECTION_OPTIONS (e.g. <c>Max Auto Prepare=0</c>) is appended to the connection string, and
    /// BENCH_FAST_POLLING_MS / BENCH_SLOW_POLLING_MS / BENCH_STALE_SEQUENCE_MS replace the daemon's <see cref="EventLogOptions"/> defaults.
    /// </summary>
    public static async Task<BenchLog> OpenAsync(string connectionString, Action<StoreOptions>? configure = null, Action<EventLogOptions>? configureLog = null)
    {
        if (Environment.GetEnvironmentVariable("BENCH_LOG_CONNECTION_OPTIONS") is { Length: > 0 } extra)
        {
            connectionString = $"{connectionString};{extra}";
        }

        var options = new EventLogOptions { ConnectionString = connectionString };
        BenchEvents.Register(options.Registry);
        if (int.TryParse(Environment.GetEnvironmentVariable("BENCH_FAST_POLLING_MS"), out var fast) && fast > 0)
        {
            options.FastPollingTime = TimeSpan.FromMilliseconds(fast);
        }

        if (int.TryParse(Environment.GetEnvironmentVariable("BENCH_SLOW_POLLING_MS"), out var slow) && slow > 0)
        {
            options.SlowPollingTime = TimeSpan.FromMilliseconds(slow);
        }

        if (int.TryParse(Environment.GetEnvironmentVariable("BENCH_STALE_SEQUENCE_MS"), out var stale) && stale > 0)
        {
            options.StaleSequenceThreshold = TimeSpan.FromMilliseconds(stale);
        }

        configureLog?.Invoke(options);
        var dataSource = EventLogStore.CreateDataSource(options);
        var store = DocumentStore.For(opts =>
        {
            EventLogStore.Configure(opts, options, dataSource, NodaTime.SystemClock.Instance);
            opts.DisableNpgsqlLogging = true;

            // Benchmarks start the daemon themselves (BuildProjectionDaemonAsync); Solo only keeps Marten from printing
            // on standard output, which carries nothing but key=value lines, that async projections will not run.
            opts.Projections.AsyncMode = JasperFx.Events.Daemon.DaemonMode.Solo;
            configure?.Invoke(opts);
        });
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        return new BenchLog(options, dataSource, store);
    }

    /// <summary>A lightweight session carrying <see cref="BenchEvents.Metadata"/>, as a command would open it.</summary>
    public IDocumentSession Session(EventMetadata? metadata = null) => Store.LightweightSession().WithMetadata(metadata ?? BenchEvents.Metadata());

    public async ValueTask DisposeAsync()
    {
        Store.Dispose();
        await DataSource.DisposeAsync();
    }
}
