using Governance.EventLog;
using Governance.EventLog.Projections;

namespace Governance.Api.Incidents;

/// <summary>Incidents: events, stream, read model, routing to whoever is on call, escalation on the operations timer, queries.</summary>
public static class IncidentsModule
{
    public static void AddIncidents(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<IncidentRouting>();
        builder.Services.AddSingleton<IncidentEscalation>();
        builder.Services.AddSingleton<IOperationsCheck>(sp => sp.GetRequiredService<IncidentEscalation>());
        builder.Services.AddSingleton<IInlineProjection, IncidentsProjection>();

        // Modules are added after storage, so migrations have run before the first tick.
        builder.Services.AddHostedService<OperationsMonitor>();
    }

    public static void RegisterEvents(EventLogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Incident.RegisterEvents(options.Registry);
        options.Fold<Incident>();
    }

    public static void MapIncidents(this WebApplication app) => GetIncidents.Map(app.MapApi());
}
