using Governance.Api.Core.Hosting;
using Governance.Api.Slos;
using Wolverine;

namespace Governance.Api.Incidents;

/// <summary>Ack-deadline timers, the escalation sweep and the cluster's one operations agent (docs/operations-timers.md).</summary>
public static class IncidentTimersModule
{
    /// <summary>Registers the timers' durable queue, the periodic checks and the agent that runs them.</summary>
    public static WebApplicationBuilder AddIncidentTimers(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<IncidentEscalation>();
        builder.Services.AddSingleton<IOperationsCheck>(sp => sp.GetRequiredService<IncidentEscalation>());
        builder.Services.AddSingleton<SloBreachDetector>();
        builder.Services.AddSingleton<IOperationsCheck>(sp => sp.GetRequiredService<SloBreachDetector>());
        builder.Services.AddClusterSingleton<OperationsAgent>();

        // Durable: a timer is a row in Wolverine's inbox (in `governance`), written in the transaction of the event that
        // set the deadline, and run by whichever node polls first once it is due, whether or not its author still lives.
        builder.Services.ConfigureWolverine(opts => opts.LocalQueueFor<EscalateIncident>().UseDurableInbox());
        return builder;
    }
}
