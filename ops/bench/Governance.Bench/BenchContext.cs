using System.Globalization;
using Governance.EventLog;
using Governance.Processes;
using Npgsql;

namespace Governance.Bench;

/// <summary>What a benchmark gets: the server, fresh databases, the shared knobs and the report.</summary>
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

    /// <summary>A fresh, empty database (dropped first if left over); its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken ct)
    {
        var database = "bench_" + name.Replace('-', '_');
        await PostgresDatabases.DropAsync(ServerConnectionString, database, ct);
        await PostgresDatabases.CreateAsync(ServerConnectionString, database, template: null, ct);
        databases.Add(database);
        return PostgresDatabases.ForDatabase(ServerConnectionString, database);
    }

    /// <summary>
    /// A fresh database with the service's whole schema (event log and read models), made the way an operator's first
    /// start makes it: the service (its Release build) starts on the empty database, becomes ready and is stopped.
    /// </summary>
    public async Task<string> CreateServiceDatabaseAsync(string name, CancellationToken ct)
    {
        var connectionString = await CreateDatabaseAsync(name, ct);
        Log($"{name}: starting the service once to create its schema");
        await using (await ServiceProcess.StartAsync(connectionString, ct))
        {
        }

        NpgsqlConnection.ClearAllPools();
        return connectionString;
    }

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
