using Governance.EventStore;
using Npgsql;

namespace Governance.Api.Core.Storage;

/// <summary>Something that must happen once the schema is current and before requests are served.</summary>
public interface IStartupTask
{
    /// <summary>Runs the task.</summary>
    Task RunAsync(CancellationToken ct);
}

/// <summary>Migrates the schema, then runs every <see cref="IStartupTask"/>; registered before the daemon so it goes first.</summary>
internal sealed class StartupTasks(NpgsqlDataSource dataSource, EventStoreOptions options, IEnumerable<IStartupTask> tasks) : IHostedService
{
    public bool Completed { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await SchemaMigrator.MigrateAsync(dataSource, options.Migrations, cancellationToken);
        foreach (var task in tasks)
        {
            await task.RunAsync(cancellationToken);
        }

        Completed = true;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
