using System.Diagnostics;
using System.Globalization;
using Governance.EventLog.Embedded;
using Npgsql;

namespace Governance.Bench;

/// <summary>Parses the name, starts (or connects to) PostgreSQL, runs the benchmarks, prints the server's facts.</summary>
public static class BenchRunner
{
    private const string ConnectionVariable = "GOVERNANCE_BENCH_CONNECTION";

    public static async Task<int> RunAsync(string[] args, IReadOnlyList<IBenchmark> benchmarks)
    {
        var name = args.Length > 0 ? args[0] : "";
        var selected = name == "all"
            ? benchmarks.ToList()
            : benchmarks.Where(b => string.Equals(b.Name, name, StringComparison.Ordinal)).ToList();
        if (selected.Count == 0)
        {
            await Console.Error.WriteLineAsync("usage: bash ops/bench/run.sh <name>");
            await Console.Error.WriteLineAsync("  all  runs every benchmark below");
            foreach (var b in benchmarks)
            {
                await Console.Error.WriteLineAsync($"  {b.Name,-12} {b.Description}");
            }

            return 2;
        }

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };

        EmbeddedPostgres? embedded = null;
        var connectionString = Environment.GetEnvironmentVariable(ConnectionVariable);
        try
        {
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                var directory = Path.Combine(Path.GetTempPath(), $"governance-bench-{Environment.ProcessId}");
                BenchContext.Log($"starting embedded PostgreSQL in {directory}");
                embedded = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { DataDirectory = directory, Ephemeral = true }, cancel.Token);
                connectionString = embedded.ConnectionString;
            }
            else
            {
                BenchContext.Log($"using the server in {ConnectionVariable}");
            }

            // Standard output carries key=value lines only: whatever else prints (the in-process service's banner,
            // Marten's notices) goes to standard error.
            var context = new BenchContext(connectionString, Console.Out);
            Console.SetOut(Console.Error);
            await ReportServerAsync(context, cancel.Token);
            try
            {
                foreach (var benchmark in selected)
                {
                    BenchContext.Log($"benchmark {benchmark.Name}");
                    var started = Stopwatch.GetTimestamp();
                    context.Report($"{benchmark.Name}_loadavg_before", LoadAverage());
                    await benchmark.RunAsync(context, cancel.Token);
                    context.Report($"{benchmark.Name}_loadavg_after", LoadAverage());
                    context.Report($"{benchmark.Name}_wall_seconds", Stopwatch.GetElapsedTime(started).TotalSeconds, 1);
                }
            }
            finally
            {
                await context.CleanUpAsync();
            }

            return 0;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("cancelled");
            return 130;
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            if (embedded is not null)
            {
                await embedded.DisposeAsync();
            }
        }
    }

    /// <summary>The 1-minute load average: other work on the machine skews every figure, so the report shows it.</summary>
    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "unknown";

    private static async Task ReportServerAsync(BenchContext context, CancellationToken ct)
    {
        context.Report("machine_cores", Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture));
        await using var connection = new NpgsqlConnection(context.ServerConnectionString);
        await connection.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand(
            "SELECT current_setting('server_version'), current_setting('fsync'), current_setting('synchronous_commit'), " +
            "current_setting('wal_sync_method'), current_setting('shared_buffers'), current_setting('commit_delay')", connection);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        context.Report("pg_version", reader.GetString(0).Split(' ')[0]);
        context.Report("pg_fsync", reader.GetString(1));
        context.Report("pg_synchronous_commit", reader.GetString(2));
        context.Report("pg_wal_sync_method", reader.GetString(3));
        context.Report("pg_shared_buffers", reader.GetString(4));
        context.Report("pg_commit_delay", reader.GetString(5));
    }
}
