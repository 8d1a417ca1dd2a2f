using Wolverine;
using Wolverine.Runtime.Agents;

namespace Governance.Api.Core.Hosting;

/// <summary>
/// Periodic work that runs on one node of the cluster at a time: a Wolverine singular agent, which Wolverine's leader
/// assigns to one live node and reassigns when that node is gone (in Solo mode, the only node runs it). Each pass is a
/// decision on locked or version-checked streams, or an idempotent delete, so a pass that overlaps another (a reassignment
/// racing a slow pass) is harmless; one runner is about not doing the work once per node.
/// </summary>
public abstract class ClusterSingleton(string scheme, ILogger logger) : SingularAgent(scheme), IDisposable
{
    private CancellationTokenSource? stopping;
    private Task? loop;

    /// <summary>How long between two passes; the first pass is one interval after the agent starts on a node.</summary>
    protected abstract TimeSpan Interval { get; }

    /// <summary>One pass of the work.</summary>
    protected abstract Task RunPassAsync(CancellationToken ct);

    /// <inheritdoc />
    protected override Task startAsync(CancellationToken cancellationToken)
    {
        stopping = new CancellationTokenSource();
        var token = stopping.Token;
        loop = Task.Run(() => RunAsync(Interval, token), CancellationToken.None);
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
    public void Dispose()
    {
        stopping?.Dispose();
        GC.SuppressFinalize(this);
    }

    private async Task RunAsync(TimeSpan interval, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                try
                {
                    await RunPassAsync(ct);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "{Agent} failed; it runs again at the next tick", Scheme);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopped: the agent moved to another node, or this one is shutting down.
        }
    }
}

/// <summary>Registration of cluster singletons.</summary>
public static class ClusterSingletonExtensions
{
    /// <summary>Registers <typeparamref name="T"/> once, as itself (for tests to run a pass) and as the agent family Wolverine assigns.</summary>
    public static IServiceCollection AddClusterSingleton<T>(this IServiceCollection services) where T : ClusterSingleton
    {
        if (services.All(d => d.ServiceType != typeof(T)))
        {
            services.AddSingleton<T>();
            services.AddSingleton<IAgentFamily>(sp => sp.GetRequiredService<T>());
        }

        return services;
    }
}
