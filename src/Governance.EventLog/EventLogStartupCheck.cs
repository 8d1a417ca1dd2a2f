using Governance.EventLog.Guarantees;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Governance.EventLog;

/// <summary>
/// Refuses to start a log that cannot keep its promises: before anything starts, the configuration (whatever
/// else configured Marten after us); once the schema is applied, the guard and chain triggers in the database.
/// </summary>
internal sealed class EventLogStartupCheck(IServiceProvider services) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        var store = services.GetRequiredService<IDocumentStore>();
        var problems = EventLogStore.Problems((StoreOptions)store.Options);
        return problems.Count == 0
            ? Task.CompletedTask
            : throw new InvalidOperationException(
                "The event log is misconfigured and will not start: " + string.Join("; ", problems) + ".");
    }

    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        var dataSource = services.GetRequiredKeyedService<NpgsqlDataSource>(EventLogKeys.DataSource);
        var missing = await MissingTriggersAsync(dataSource, EventLogOptions.Schema, cancellationToken).ConfigureAwait(false);
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"The event log's guarantees are not installed in the database (missing triggers: {string.Join(", ", missing)}). " +
                "Apply the schema (start with schema changes applied, or run the schema migration) before serving.");
        }
    }

    /// <summary>The guard and chain triggers that are absent (or disabled) in <paramref name="schema"/>, as table.trigger.</summary>
    internal static async Task<IReadOnlyList<string>> MissingTriggersAsync(NpgsqlDataSource dataSource, string schema, CancellationToken ct)
    {
        var expected = LogGuarantees.EventTriggers.Select(t => $"mt_events.{t}")
            .Concat(LogGuarantees.HashTriggers.Select(t => $"{LogGuarantees.HashTable}.{t}"))
            .ToList();
        await using var cmd = dataSource.CreateCommand(
            "SELECT c.relname || '.' || t.tgname FROM pg_trigger t " +
            "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace " +
            "WHERE n.nspname = $1 AND NOT t.tgisinternal AND t.tgenabled <> 'D'");
        cmd.Parameters.AddWithValue(schema);
        var present = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            present.Add(reader.GetString(0));
        }

        return expected.Where(e => !present.Contains(e)).ToList();
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
