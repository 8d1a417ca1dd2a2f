namespace Governance.Api.Core.Storage;

/// <summary>An operational table whose rows outlive their use (sessions, remembered answers) and are swept regularly.</summary>
public interface IExpiringRecords
{
    /// <summary>Deletes what has expired by the service's clock; returns how many rows went.</summary>
    Task<int> DeleteExpiredAsync(CancellationToken ct);
}

/// <summary>
/// Sweeps every <see cref="IExpiringRecords"/> on a timer (Governance:CleanupIntervalMinutes, 15 by default). Expired rows
/// are already ignored where they are read; sweeping only keeps the tables small. Every node with background work sweeps;
/// it is idempotent.
/// </summary>
public sealed class ExpiredRecordsCleanup(IEnumerable<IExpiringRecords> records, IConfiguration configuration, ILogger<ExpiredRecordsCleanup> logger) : BackgroundService
{
    /// <summary>Sweeps once; returns how many rows went.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var deleted = 0;
        foreach (var table in records)
        {
            deleted += await table.DeleteExpiredAsync(ct);
        }

        return deleted;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Commands.Nodes.RunBackgroundWork(configuration))
        {
            // A requests-only node leaves the sweeping to the nodes with background work.
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(Math.Max(1, configuration.GetValue("Governance:CleanupIntervalMinutes", 15))));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Sweeping expired records failed; it runs again at the next tick");
            }
        }
    }
}

/// <summary>Registration of the sweeper.</summary>
public static class ExpiredRecordsExtensions
{
    /// <summary>Registers the sweeper once, however many features ask for it.</summary>
    public static IServiceCollection AddExpiredRecordsCleanup(this IServiceCollection services)
    {
        if (services.All(d => d.ServiceType != typeof(ExpiredRecordsCleanup)))
        {
            services.AddSingleton<ExpiredRecordsCleanup>();
            services.AddHostedService(sp => sp.GetRequiredService<ExpiredRecordsCleanup>());
        }

        return services;
    }
}
