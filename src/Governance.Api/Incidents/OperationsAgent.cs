using Wolverine.Runtime.Agents;

namespace Governance.Api.Incidents;

/// <summary>One periodic check of the operations slice (escalation sweep, SLO breaches).</summary>
public interface IOperationsCheck
{
    /// <summary>Runs the check once.</summary>
    Task RunOnceAsync(CancellationToken ct);
}

/// <summary>
/// Runs every <see cref="IOperationsCheck"/> on a timer (Governance:OperationsIntervalSeconds, 30 by default), on one node of
/// the cluster: a Wolverine singular agent, which Wolverine's leader assigns to one live node and moves when that node
/// dies (in Solo mode, on the only node). Two passes at once would still be harmless (every write is decided on a locked
/// or version-checked stream); one runner is about not doing the work N times.
/// </summary>
public sealed class OperationsAgent(IEnumerable<IOperationsCheck> checks, IConfiguration configuration, ILogger<OperationsAgent> logger)
    : SingularAgent(UriScheme), IDisposable
{
    /// <summary>The agent's URI scheme, as Wolverine lists it in <c>wolverine_node_assignments</c> (<c>operations://</c>).</summary>
    public const string UriScheme = "operations";

    private CancellationTokenSource? stopping;
    private Task? loop;

    /// <inheritdoc />
    protected override Task startAsync(CancellationToken cancellationToken)
    {
        var interval = TimeSpan.FromSeconds(Math.Max(1, configuration.GetValue("Governance:OperationsIntervalSeconds", 30)));
        stopping = new CancellationTokenSource();
        loop = Task.Run(() => RunAsync(interval, stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    protected override async Task stopAsync(CancellationToken cancellationToken)
    {
        if (stopping is null || loop is null)
        {
            return;
        }

        await stopping.CancelAsync();
        await loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        stopping.Dispose();
        stopping = null;
        loop = null;
    }

    /// <inheritdoc />
    public void Dispose() => stopping?.Dispose();

    private async Task RunAsync(TimeSpan interval, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
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
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopped: the agent moved to another node, or this one is shutting down.
        }
    }
}
