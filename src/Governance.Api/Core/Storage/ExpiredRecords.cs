using Governance.Api.Core.Hosting;

namespace Governance.Api.Core.Storage;

/// <summary>An operational table whose rows outlive their use (sessions, remembered answers) and are swept regularly.</summary>
public interface IExpiringRecords
{
    /// <summary>Deletes what has expired by the service's clock; returns how many rows went.</summary>
    Task<int> DeleteExpiredAsync(CancellationToken ct);
}

/// <summary>
/// Sweeps every <see cref="IExpiringRecords"/> on a timer (Governance:CleanupIntervalMinutes, 15 by default), on one node of
/// the cluster (<see cref="ClusterSingleton"/>, <c>expired-records://</c>). Expired rows are already ignored where they are
/// read; sweeping only keeps the tables small, and is idempotent.
/// </summary>
public sealed class ExpiredRecordsCleanup(IEnumerable<IExpiringRecords> records, IConfiguration configuration, ILogger<ExpiredRecordsCleanup> logger)
    : ClusterSingleton("expired-records", logger)
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
    protected override TimeSpan Interval => TimeSpan.FromMinutes(Math.Max(1, configuration.GetValue("Governance:CleanupIntervalMinutes", 15)));

    /// <inheritdoc />
    protected override Task RunPassAsync(CancellationToken ct) => RunOnceAsync(ct);
}

/// <summary>Registration of the sweeper.</summary>
public static class ExpiredRecordsExtensions
{
    /// <summary>Registers the sweeper once, however many features ask for it.</summary>
    public static IServiceCollection AddExpiredRecordsCleanup(this IServiceCollection services) => services.AddClusterSingleton<ExpiredRecordsCleanup>();
}
