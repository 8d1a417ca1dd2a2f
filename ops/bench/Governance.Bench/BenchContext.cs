using System.Globalization;
using Governance.EventLog;
using Governance.EventStore;
using Governance.EventStore.Serialization;
using Npgsql;

namespace Governance.Bench;

/// <summary>What a benchmark gets: the server, fresh migrated databases, the shared knobs and the report.</summary>
public sealed class BenchContext
{
    private readonly TextWriter output;
    private readonly List<string> databases = [];

    public BenchContext(string serverConnectionString, TextWriter output)
    {
        ServerConnectionString = serverConnectionString;
        this.output = output;
        Duration = TimeSpan.FromSeconds(ReadSeconds("BENCH_DURATION_SECONDS", 8));
        Warmup = TimeSpan.FromSeconds(ReadSeconds("BENCH_WARMUP_SECONDS", 2));
    }

    /// <summary>Connection string to the server's <c>postgres</c> database as a superuser.</summary>
    public string ServerConnectionString { get; }

    /// <summary>How long each measured phase runs (BENCH_DURATION_SECONDS, default 8).</summary>
    public TimeSpan Duration { get; }

    /// <summary>How long each phase warms up before measuring (BENCH_WARMUP_SECONDS, default 2).</summary>
    public TimeSpan Warmup { get; }

    /// <summary>Prints <c>key=value</c> on standard output (the only thing that goes there).</summary>
    public void Report(string key, string value)
    {
        lock (output)
        {
            output.WriteLine($"{key}={value}");
            output.Flush();
        }
    }

    /// <summary>Prints a number with <paramref name="decimals"/> decimals, invariant culture.</summary>
    public void Report(string key, double value, int decimals = 0) =>
        Report(key, value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));

    /// <summary>Progress for people, on standard error.</summary>
    public static void Log(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");

    /// <summary>A fresh database (dropped first if left over) with the whole schema (store and read models); its connection string.</summary>
    public async Task<string> CreateStoreDatabaseAsync(string name, CancellationToken ct)
    {
        var database = "bench_" + name;
        await PostgresDatabases.DropAsync(ServerConnectionString, database, ct);
        await PostgresDatabases.CreateAsync(ServerConnectionString, database, template: null, ct);
        databases.Add(database);
        var connectionString = PostgresDatabases.ForDatabase(ServerConnectionString, database);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await SchemaMigrator.MigrateAsync(dataSource, [Governance.Api.Core.Storage.StorageExtensions.ApiMigrations], ct);
        return connectionString;
    }

    /// <summary>Store options for a database made by <see cref="CreateStoreDatabaseAsync"/>, with the bench events registered.</summary>
    public static EventStoreOptions CreateOptions(string connectionString)
    {
        var options = new EventStoreOptions { ConnectionString = connectionString };
        BenchEvents.Register(options.Registry);
        return options;
    }

    /// <summary>The store as the service builds it (no inline projections).</summary>
    public static PostgresEventStore CreateStore(NpgsqlDataSource dataSource, EventStoreOptions options) =>
        new(dataSource, new EventSerializer(options.Registry), []);

    /// <summary>Drops the databases this run made (unless BENCH_KEEP_DATABASES=1, for looking at them afterwards).</summary>
    public async Task CleanUpAsync()
    {
        if (Environment.GetEnvironmentVariable("BENCH_KEEP_DATABASES") == "1")
        {
            return;
        }

        foreach (var database in databases)
        {
            NpgsqlConnection.ClearAllPools();
            await PostgresDatabases.DropAsync(ServerConnectionString, database, CancellationToken.None);
        }
    }

    private static double ReadSeconds(string variable, double fallback) =>
        double.TryParse(Environment.GetEnvironmentVariable(variable), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : fallback;
}
