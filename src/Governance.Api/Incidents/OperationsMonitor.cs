namespace Governance.Api.Incidents;

/// <summary>One periodic check of the operations slice (escalations, SLO breaches).</summary>
public interface IOperationsCheck
{
    /// <summary>Runs the check once.</summary>
    Task RunOnceAsync(CancellationToken ct);
}

/// <summary>Runs every <see cref="IOperationsCheck"/> on a timer (Governance:OperationsIntervalSeconds, 30 by default).</summary>
public sealed class OperationsMonitor(IEnumerable<IOperationsCheck> checks, IConfiguration configuration, ILogger<OperationsMonitor> logger) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(Math.Max(1, configuration.GetValue("Governance:OperationsIntervalSeconds", 30)));
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            foreach (var check in checks)
            {
                try
                {
                    await check.RunOnceAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "Operations check {Check} failed; it runs again at the next tick", check.GetType().Name);
                }
            }
        }
    }
}
