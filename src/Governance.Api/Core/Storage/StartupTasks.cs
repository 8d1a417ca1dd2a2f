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
internal sealed class StartupTasks(IServiceProvider services, IEnumerable<IStartupTask> tasks) : IHostedService
{
    public bool Completed { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await StorageExtensions.ApplySchemaAsync(services, cancellationToken);
        foreach (var task in tasks)
        {
            await task.RunAsync(cancellationToken);
        }

        Completed = true;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
