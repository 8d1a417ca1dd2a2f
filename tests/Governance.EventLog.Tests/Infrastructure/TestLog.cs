using JasperFx.Events.Projections;
using Marten;
using NodaTime;
using Npgsql;

namespace Governance.EventLog.Tests.Infrastructure;

/// <summary>A Marten store configured as the event log on a database of its own, its schema applied.</summary>
public sealed class TestLog : IAsyncDisposable
{
    private TestLog(string connectionString, EventLogOptions options, NpgsqlDataSource dataSource, DocumentStore store)
    {
        ConnectionString = connectionString;
        Options = options;
        DataSource = dataSource;
        Store = store;
    }

    public string ConnectionString { get; }

    public EventLogOptions Options { get; }

    public NpgsqlDataSource DataSource { get; }

    public DocumentStore Store { get; }

    /// <summary>A log on a new database (or on <paramref name="connectionString"/>), schema applied.</summary>
    public static async Task<TestLog> StartAsync(
        string? connectionString = null,
        IClock? clock = null,
        Action<EventLogOptions>? configureLog = null,
        Action<StoreOptions>? configureStore = null)
    {
        connectionString ??= await TestCluster.CreateDatabaseAsync();
        var options = new EventLogOptions { ConnectionString = connectionString };
        options.Registry.RegisterTestEvents();
        configureLog?.Invoke(options);
        var dataSource = EventLogStore.CreateDataSource(options);
        var store = DocumentStore.For(opts =>
        {
            EventLogStore.Configure(opts, options, dataSource, clock ?? SystemClock.Instance);
            opts.Projections.Snapshot<Thing>(SnapshotLifecycle.Inline);
            configureStore?.Invoke(opts);
        });
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        return new TestLog(connectionString, options, dataSource, store);
    }

    /// <summary>A lightweight session carrying <see cref="TestEvents.Meta"/>.</summary>
    public IDocumentSession Session() => Store.LightweightSession().WithMetadata(TestEvents.Meta);

    /// <summary>Starts <paramref name="streamId"/> with <paramref name="events"/> in its own transaction.</summary>
    public async Task StartStreamAsync(string streamId, params object[] events)
    {
        await using var session = Session();
        session.Events.StartStream<Thing>(streamId, events);
        await session.SaveChangesAsync();
    }

    /// <summary>Appends to an existing stream in its own transaction.</summary>
    public async Task AppendAsync(string streamId, params object[] events)
    {
        await using var session = Session();
        session.Events.Append(streamId, events);
        await session.SaveChangesAsync();
    }

    public Task ExecuteAsync(string sql) => Sql.ExecuteAsync(ConnectionString, sql);

    public Task<T> ScalarAsync<T>(string sql) => Sql.ScalarAsync<T>(ConnectionString, sql);

    public async ValueTask DisposeAsync()
    {
        Store.Dispose();
        await DataSource.DisposeAsync();
    }
}

/// <summary>Plain SQL on a test database, as its superuser.</summary>
public static class Sql
{
    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync();
    }

    public static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    public static async Task<List<object?[]>> RowsAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            var values = new object?[reader.FieldCount];
            reader.GetValues(values!);
            rows.Add(values.Select(v => v is DBNull ? null : v).ToArray());
        }

        return rows;
    }
}
