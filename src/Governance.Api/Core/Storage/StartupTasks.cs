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
/// Applies the log's schema (Marten's tables and our guarantees) and the read models' migrations, then runs every
/// <see cref="IStartupTask"/>. Registered before Marten's hosted services, so it goes first.
/// </summary>
internal sealed class StartupTasks(IDocumentStore store, NpgsqlDataSource dataSource, StorageSettings settings, IEnumerable<IStartupTask> tasks) : IHostedService
{
    public bool Completed { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await SchemaMigrator.MigrateAsync(dataSource, settings.Migrations, cancellationToken);
        foreach (var task in tasks)
        {
            await task.RunAsync(cancellationToken);
        }

        Completed = true;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
