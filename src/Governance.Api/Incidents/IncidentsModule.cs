using Governance.EventLog;
using Governance.EventLog.Projections;

namespace Governance.Api.Incidents;

/// <summary>Incidents: events, stream, read model, routing to whoever is on call, ack-deadline timers and the operations agent (IncidentTimersModule), queries.</summary>
public static class IncidentsModule
{
    public static void AddIncidents(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<IncidentRouting>();
        builder.Services.AddSingleton<IInlineProjection, IncidentsProjection>();
        builder.AddIncidentTimers();
    }

    public static void RegisterEvents(EventLogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Incident.RegisterEvents(options.Registry);
        options.Fold<Incident>();
    }

    public static void MapIncidents(this WebApplication app) => GetIncidents.Map(app.MapApi());
}
