using System.Diagnostics;
using System.Globalization;
using JasperFx;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Governance.EventLog.Projections;

/// <summary>
/// Rebuilds every projection registered with Marten (the async ones: documents) with Marten's own daemon API: each
/// projection's teardown (the tables it declares with <c>DeleteDataInTableOnTeardown</c>), a replay of the whole log,
/// and its progress in <c>mt_event_progression</c> set to the end, so the service's daemon goes on from there.
/// </summary>
/// <remarks>
/// Marten's documented way outside its hosted daemon is a daemon built for the purpose
/// (<see cref="IDocumentStore.BuildProjectionDaemonAsync"/>). When this process's own daemon is running (its node runs
/// the projections), that one rebuilds instead, so two daemons never run one projection in this process; a rebuild is still meant for a stopped
/// service, since another node's daemon would keep running its shards.
/// </remarks>
public sealed class MartenProjectionRebuild(IDocumentStore store, IServiceProvider services, ILogger<MartenProjectionRebuild> logger)
{
    /// <summary>How long one projection may take to replay the log.</summary>
    public static readonly TimeSpan ShardTimeout = TimeSpan.FromHours(1);

    /// <summary>The projections Marten would rebuild: every registered one except live aggregations.</summary>
    public IReadOnlyList<string> Projections =>
        [.. ((StoreOptions)store.Options).Projections.All.Where(p => p.Lifecycle != ProjectionLifecycle.Live).Select(p => p.Name)];

    /// <summary>Rebuilds each projection in turn; returns how long each took.</summary>
    public async Task<IReadOnlyList<MartenProjectionRebuilt>> RunAsync(CancellationToken ct = default)
    {
        var names = Projections;
        if (names.Count == 0)
        {
            return [];
        }

        var running = RunningDaemon();
        using var built = running is null ? await store.BuildProjectionDaemonAsync(logger: logger) : null;
        var rebuilder = running ?? built!;

        // With several nodes, this one runs only the shards the leader gave it; only those start here again afterwards.
        var ranHere = running?.CurrentAgents().Where(a => a.Status == AgentStatus.Running).Select(a => a.Name.Identity).ToHashSet() ?? [];

        var rebuilt = new List<MartenProjectionRebuilt>(names.Count);
        foreach (var name in names)
        {
            var started = Stopwatch.GetTimestamp();
            await rebuilder.RebuildProjectionAsync(name, ShardTimeout, ct);
            var took = Stopwatch.GetElapsedTime(started);
            rebuilt.Add(new MartenProjectionRebuilt(name, took));
            logger.LogInformation("Rebuilt Marten projection {Projection} in {Seconds} s", name, took.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture));
        }

        if (running is not null)
        {
            // A rebuild through the running daemon leaves the rebuilt shards stopped and its high-water detection set up for
            // rebuilds: both start again, or no event appended from now on would reach these projections.
            await running.RestartHighWaterAgentAsync(ct);
            foreach (var name in names)
            {
                var shard = $"{name}:All";
                if (ranHere.Contains(shard) && !running.CurrentAgents().Any(a => a.Name.Identity == shard && a.Status == AgentStatus.Running))
                {
                    await running.StartAgentAsync(shard, ct);
                }
            }
        }

        return rebuilt;
    }

    private IProjectionDaemon? RunningDaemon()
    {
        if (services.GetService<Marten.Events.Daemon.Coordination.IProjectionCoordinator>() is not { } coordinator)
        {
            return null;
        }

        try
        {
            return coordinator.DaemonForMainDatabase() is { IsRunning: true } daemon ? daemon : null;
        }
        catch (NotSupportedException)
        {
            // Wolverine's coordinator (projections distributed over the nodes) has no daemon on a node that runs none of
            // the projections, or before it started any: one built for the purpose rebuilds instead.
            return null;
        }
    }
}

/// <summary>A Marten projection rebuilt, and how long it took.</summary>
public sealed record MartenProjectionRebuilt(string Name, TimeSpan Took);
