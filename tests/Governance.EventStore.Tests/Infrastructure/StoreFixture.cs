using Governance.EventStore.Projections;
using Governance.EventStore.Serialization;
using Npgsql;

namespace Governance.EventStore.Tests.Infrastructure;

/// <summary>A fresh database per test class, cloned from the migrated template.</summary>
public sealed class StoreFixture : IAsyncLifetime
{
    private readonly List<string> extraDatabases = [];

    /// <summary>The class's database (superuser).</summary>
    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync() => ConnectionString = await TestCluster.CreateMigratedDatabaseAsync();

    public async Task DisposeAsync()
    {
        foreach (var database in extraDatabases.Append(ConnectionString))
        {
            await TestCluster.DropAsync(database);
        }
    }

    /// <summary>Another fresh migrated database, for a test that needs the whole log to itself.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var connectionString = await TestCluster.CreateMigratedDatabaseAsync();
        lock (extraDatabases)
        {
            extraDatabases.Add(connectionString);
        }

        return connectionString;
    }

    /// <summary>A store on the class's database (or <paramref name="connectionString"/>) with fast daemon settings.</summary>
    public TestStore CreateStore(
        IEnumerable<IInlineProjection>? inline = null,
        Action<EventStoreOptions>? configure = null,
        string? connectionString = null)
    {
        var options = new EventStoreOptions
        {
            ConnectionString = connectionString ?? ConnectionString,
            DaemonPollInterval = TimeSpan.FromMilliseconds(50),
            DaemonStandbyInterval = TimeSpan.FromMilliseconds(100),
            RetryBaseDelay = TimeSpan.FromMilliseconds(5),
            MaxAttempts = 2,
        };
        options.Registry.RegisterTestEvents();
        configure?.Invoke(options);
        return new TestStore(options, inline ?? []);
    }

    /// <summary>Runs SQL on the class's database as superuser.</summary>
    public Task ExecuteAsync(string sql) => ExecuteAsync(ConnectionString, sql);

    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync();
    }

    public Task<T> ScalarAsync<T>(string sql) => ScalarAsync<T>(ConnectionString, sql);

    public static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }
}

/// <summary>A store, its data source, monitor and any daemons started for it; disposing stops them all.</summary>
public sealed class TestStore : IAsyncDisposable
{
    private readonly List<ProjectionDaemon> daemons = [];

    public TestStore(EventStoreOptions options, IEnumerable<IInlineProjection> inline)
    {
        Options = options;
        DataSource = PostgresEventStore.CreateDataSource(options);
        Serializer = new EventSerializer(options.Registry);
        Store = new PostgresEventStore(DataSource, Serializer, inline, groupCommit: options.GroupCommit);
        Monitor = new ProjectionMonitor(DataSource);
    }

    public EventStoreOptions Options { get; }

    public NpgsqlDataSource DataSource { get; }

    public EventSerializer Serializer { get; }

    public PostgresEventStore Store { get; }

    public ProjectionMonitor Monitor { get; }

    /// <summary>Starts a daemon for <paramref name="projections"/> on this store's data source.</summary>
    public async Task<ProjectionDaemon> StartDaemonAsync(params IAsyncProjection[] projections)
    {
        var daemon = new ProjectionDaemon(DataSource, Store, projections, Options);
        await daemon.StartAsync(CancellationToken.None);
        lock (daemons)
        {
            daemons.Add(daemon);
        }

        return daemon;
    }

    /// <summary>Waits until the named projections have applied everything committed so far.</summary>
    public Task WaitForProjectionsAsync(params string[] names) =>
        Monitor.WaitForNonStaleProjectionsAsync(TimeSpan.FromSeconds(60), names.Length == 0 ? null : names);

    public async ValueTask DisposeAsync()
    {
        foreach (var daemon in daemons)
        {
            await daemon.StopAsync(CancellationToken.None);
            daemon.Dispose();
        }

        await Store.DisposeAsync();
        await DataSource.DisposeAsync();
    }
}

public static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> until it holds or the time is up.</summary>
    public static async Task TrueAsync(Func<bool> condition, string because, int timeoutMs = 15_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting until {because}.");
            }

            await Task.Delay(20);
        }
    }
}
