using Governance.Api.Core.Hosting;
using Governance.Api.Slos;
using Governance.EventLog;
using Governance.EventLog.Projections;
using Wolverine;

namespace Governance.Api.Incidents;

/// <summary>Incidents: events, stream, read model, routing to whoever is on call, ack-deadline timers and the cluster's one operations agent (docs/operations-timers.md), queries.</summary>
public static class IncidentsModule
{
    public static void AddIncidents(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<IncidentRouting>();
        builder.Services.AddSingleton<IInlineProjection, IncidentsProjection>();
        builder.Services.AddSingleton<IncidentEscalation>();
        builder.Services.AddSingleton<IOperationsCheck>(sp => sp.GetRequiredService<IncidentEscalation>());
        builder.Services.AddSingleton<SloBreachDetector>();
        builder.Services.AddSingleton<IOperationsCheck>(sp => sp.GetRequiredService<SloBreachDetector>());
        builder.Services.AddClusterSingleton<OperationsAgent>();

        // Durable: a timer is a row in Wolverine's inbox (in `governance`), written in the transaction of the event that
        // set the deadline, and run by whichever node polls first once it is due, whether or not its author still lives.
        builder.Services.ConfigureWolverine(opts => opts.LocalQueueFor<EscalateIncident>().UseDurableInbox());
    }

    public static void RegisterEvents(EventLogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Incident.RegisterEvents(options.Registry);
        options.Fold<Incident>();
    }

    public static void MapIncidents(this WebApplication app) => GetIncidents.Map(app.MapApi());
}
