using System.Globalization;
using Governance.Api.Core.Storage;
using Governance.EventLog.Embedded;
using Governance.EventLog.Projections;
using Npgsql;

namespace Governance.Api;

/// <summary>
/// <c>projections --rebuild</c> (Marten's spelling): rebuilds every projection from the event log and exits. It starts
/// the storage as the service would (the configured server, or the embedded PostgreSQL in the data directory) and
/// applies the schema, but serves nothing and runs no background work. Then the inline read models are rebuilt in one
/// transaction (<see cref="ReadModelRebuild"/>) and the Marten projections by Marten's daemon
/// (<see cref="MartenProjectionRebuild"/>). It is meant for a stopped service: the embedded PostgreSQL refuses a second
/// process on its folder, and on a shared server a running service would wait on, or time out against, the tables
/// being rebuilt.
/// </summary>
public static class ProjectionsCommand
{
    /// <summary>The verb, first on the command line.</summary>
    public const string Verb = "projections";

    /// <summary>The one thing the verb does today.</summary>
    public const string RebuildOption = "--rebuild";

    /// <summary>Whether the command line asks for this command rather than the service.</summary>
    public static bool IsRequested(IReadOnlyList<string> args) => args is [Verb, ..];

    /// <summary>The arguments left for the host (settings such as --Governance:DataDirectory=…) once the verb is taken out.</summary>
    public static IEnumerable<string> HostArguments(IReadOnlyList<string> args) =>
        IsRequested(args) ? args.Skip(1).Where(a => a != RebuildOption) : args;

    /// <summary>What is wrong with the command line, as one sentence; null when it can run.</summary>
    public static string? Problem(IReadOnlyList<string> args) =>
        IsRequested(args) && !args.Contains(RebuildOption)
            ? $"'{Verb}' needs {RebuildOption}: dotnet run --project src/Governance.Api -- {Verb} {RebuildOption} rebuilds every projection from the event log (with the service stopped)."
            : null;

    /// <summary>
    /// The host as the command needs it: quiet logs (the summary says what was done). The host is built, never started,
    /// so no hosted daemon runs; Marten's rebuild brings a daemon of its own.
    /// </summary>
    public static void Configure(WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
    }

    /// <summary>Runs the rebuild on a built (not started) app; prints a summary, or one sentence on failure. Returns the exit code.</summary>
    public static async Task<int> RunAsync(WebApplication app, TextWriter output, TextWriter error, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var phase = Phase.Schema;
        var started = DateTime.UtcNow;
        try
        {
            await output.WriteLineAsync("Rebuilding every projection from the event log. Run this with the service stopped: a running one would wait on the tables being rebuilt.");
            await StorageExtensions.ApplySchemaAsync(app.Services, ct);

            phase = Phase.Inline;
            var inline = await app.Services.GetRequiredService<ReadModelRebuild>().RunAsync(ct);
            await output.WriteLineAsync(Invariant($"Inline read models: {inline.Events} events replayed in {inline.Took.TotalSeconds:0.00} s, in one transaction"));
            foreach (var table in inline.Tables)
            {
                await output.WriteLineAsync(Row(table.Table, Rows(table.Rows)));
            }

            phase = Phase.Marten;
            var marten = await app.Services.GetRequiredService<MartenProjectionRebuild>().RunAsync(ct);
            await output.WriteLineAsync("Marten projections (rebuilt by Marten's daemon):");
            foreach (var projection in marten)
            {
                await output.WriteLineAsync(Row(projection.Name, Invariant($"{projection.Took.TotalSeconds:0.00} s")));
            }

            foreach (var table in StorageExtensions.AsyncProjectionTables(app.Services))
            {
                await output.WriteLineAsync(Row(table, Rows(await CountAsync(app.Services.GetRequiredService<NpgsqlDataSource>(), table, ct))));
            }

            await output.WriteLineAsync(Invariant($"Done in {(DateTime.UtcNow - started).TotalSeconds:0.00} s; the service can be started again."));
            return 0;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await error.WriteLineAsync(Sentence(ex, phase));
            return 1;
        }
        finally
        {
            if (app.Services.GetService<EmbeddedPostgres>() is { } embedded)
            {
                await embedded.StopAsync();
            }
        }
    }

    private enum Phase
    {
        Schema,
        Inline,
        Marten,
    }

    private static string Sentence(Exception ex, Phase phase) => (ex, phase) switch
    {
        (PostgresException { SqlState: PostgresErrorCodes.LockNotAvailable }, _) =>
            "The read models are in use (a running service or another session holds them); stop the service and run the rebuild again. Nothing was changed.",
        (ReadModelRebuildException, _) => ex.Message,
        (NpgsqlException { InnerException: System.Net.Sockets.SocketException or TimeoutException }, _) =>
            $"Could not reach PostgreSQL ({FirstLine(ex.Message)}); check ConnectionStrings__Governance.",
        (_, Phase.Schema) => $"The database schema could not be brought up to date: {FirstLine(ex.Message)}",
        (_, Phase.Inline) => $"Rebuilding the inline read models failed, and they were left as they were: {FirstLine(ex.Message)}",
        _ => $"The inline read models were rebuilt, but Marten's rebuild of its projections failed; run the command again. {FirstLine(ex.Message)}",
    };

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();

    private static string Row(string name, string value) => $"  {name,-40} {value}";

    private static string Rows(long rows) => Invariant($"{rows} {(rows == 1 ? "row" : "rows")}");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static async Task<long> CountAsync(NpgsqlDataSource dataSource, string table, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"SELECT count(*) FROM {table}");
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }
}
