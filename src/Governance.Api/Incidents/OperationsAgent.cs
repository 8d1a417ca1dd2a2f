using Governance.Api.Core.Hosting;

namespace Governance.Api.Incidents;

/// <summary>One periodic check of the operations slice (escalation sweep, SLO breaches).</summary>
public interface IOperationsCheck
{
    /// <summary>Runs the check once.</summary>
    Task RunOnceAsync(CancellationToken ct);
}

/// <summary>
/// Runs every <see cref="IOperationsCheck"/> on a timer (Governance:OperationsIntervalSeconds, 30 by default), on one node of
/// the cluster (<see cref="ClusterSingleton"/>, listed by Wolverine as <c>operations://</c>).
/// </summary>
public sealed class OperationsAgent(IEnumerable<IOperationsCheck> checks, IConfiguration configuration, ILogger<OperationsAgent> logger)
    : ClusterSingleton("operations", logger)
{
    /// <inheritdoc />
    protected override TimeSpan Interval => TimeSpan.FromSeconds(Math.Max(1, configuration.GetValue("Governance:OperationsIntervalSeconds", 30)));

    /// <inheritdoc />
    protected override async Task RunPassAsync(CancellationToken ct)
    {
        foreach (var check in checks)
        {
            try
            {
                await check.RunOnceAsync(ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Operations check {Check} failed; it runs again at the next tick", check.GetType().Name);
            }
        }
    }
}
