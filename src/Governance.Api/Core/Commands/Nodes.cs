using Wolverine;

namespace Governance.Api.Core.Commands;

/// <summary>
/// Several nodes on one PostgreSQL (DESIGN §3, ADR 0005 "Node distribution"): Wolverine elects a leader among the nodes
/// that run background work and assigns each async projection to exactly one of them; a node that stops writing its
/// heartbeat is declared dead and its projections move to the others.
/// </summary>
public static class Nodes
{
    /// <summary>The setting that makes a node answer requests only (<c>Governance__BackgroundWork=false</c>).</summary>
    public const string BackgroundWorkSetting = "Governance:BackgroundWork";

    /// <summary>The older name of <see cref="BackgroundWorkSetting"/> (it only switched the daemon off), still honoured.</summary>
    public const string RunDaemonSetting = "Governance:RunDaemon";

    /// <summary>How often a node writes its heartbeat and the leader re-evaluates assignments (Wolverine's default: 10 s).</summary>
    public static readonly TimeSpan HealthCheckPollingTime = TimeSpan.FromSeconds(2);

    /// <summary>How old a heartbeat may get before its node counts as dead (Wolverine's default: 1 min) — five missed beats.</summary>
    public static readonly TimeSpan StaleNodeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How often the leader checks that every assigned projection really runs where it was put (default: 30 s).</summary>
    public static readonly TimeSpan CheckAssignmentPeriod = TimeSpan.FromSeconds(10);

    /// <summary>Whether this node runs background work: true unless either setting says false.</summary>
    public static bool RunBackgroundWork(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration.GetValue(BackgroundWorkSetting, true) && configuration.GetValue(RunDaemonSetting, true);
    }

    /// <summary>Wolverine's cluster settings for a node that runs background work, or one that only answers requests.</summary>
    public static void Configure(WolverineOptions opts, bool backgroundWork)
    {
        ArgumentNullException.ThrowIfNull(opts);

        // Balanced: the nodes register in wolverine_nodes, elect a leader with an advisory lock, and talk through a
        // control queue in the database. Solo would run every projection on every node.
        opts.Durability.Mode = DurabilityMode.Balanced;
        opts.Durability.HealthCheckPollingTime = HealthCheckPollingTime;
        opts.Durability.StaleNodeTimeout = StaleNodeTimeout;
        opts.Durability.CheckAssignmentPeriod = CheckAssignmentPeriod;

        // NodeStart runs the first health check as soon as the schema is in place; the timers take over one interval later.
        opts.Durability.FirstHealthCheckExecution = HealthCheckPollingTime;
        if (!backgroundWork)
        {
            // Wolverine's "warm-up" role is the one that does nothing in the background: it never leads, never polls
            // scheduled or stranded messages (a serving node runs those) and listens to nothing but the control queue.
            // It would warm up projections no serving node declares; it declares none itself (no subscription
            // distribution on this node), so it runs none. Requests, commands and the outbox work as on any node.
            opts.Durability.NodeRole = NodeRole.Warmup;
        }
    }
}

/// <summary>
/// Runs this node's first health check as soon as the service has started, instead of after Wolverine's timer: a lone
/// node elects itself and starts the projections at once (a cold start, every test host), and a joining node is seen
/// by the leader on this tick. Registered after Wolverine's runtime and the start-up tasks, so the schema is in place.
/// </summary>
internal sealed class NodeStart(Wolverine.Runtime.IWolverineRuntime runtime) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => runtime.Agents.KickstartHealthDetectionAsync();

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
