using Governance.EventLog.Import;
using Governance.EventLog.Projections;
using Marten;
using Npgsql;

namespace Governance.Api.Core.Storage;

/// <summary>Something that must happen once the schema is current and before requests are served.</summary>
public interface IStartupTask
{
    /// <summary>Runs the task.</summary>
    Task RunAsync(CancellationToken ct);
}

/// <summary>
/// Applies the log's schema (Marten's tables and our guarantees) and the read models' migrations, imports a previous
/// store's log if there is one, then runs every <see cref="IStartupTask"/>. The first hosted service (before Wolverine's
/// runtime), so no projection starts on a schema that is not there yet.
/// </summary>
internal sealed class StartupTasks(
    IDocumentStore store, NpgsqlDataSource dataSource, StorageSettings settings, LegacyEventImport import,
    ReadModelRebuild readModels, MartenProjectionRebuild martenProjections, IEnumerable<IStartupTask> tasks) : IHostedService
{
    public bool Completed { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await SchemaMigrator.MigrateAsync(dataSource, settings.Migrations, cancellationToken);

        // Before anything appends: the import refuses a log that already holds events (docs/upgrading.md). The read
        // models the previous store left are then rebuilt from the imported log, and Marten's projections with them.
        if (await import.ImportIfPresentAsync(cancellationToken) is not null)
        {
            await readModels.RunAsync(cancellationToken);
            await martenProjections.RunAsync(cancellationToken);
        }

        foreach (var task in tasks)
        {
            await task.RunAsync(cancellationToken);
        }

        Completed = true;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
