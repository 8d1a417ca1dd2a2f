using Governance.Api.Core.Storage;
using Governance.EventLog;
using Governance.EventLog.Projections;

namespace Governance.Api.Alerts;

/// <summary>Alerts: events, stream, read models (open alerts inline, noise on the daemon) and queries.</summary>
public static class AlertsModule
{
    public static void AddAlerts(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<IInlineProjection, AlertsProjection>();
        builder.AddAsyncReadModel<AlertNoiseProjection>(AlertNoiseProjection.Tables);
    }

    public static void RegisterEvents(EventLogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Alert.RegisterEvents(options.Registry);
        options.Fold<Alert>();
    }

    public static void MapAlerts(this WebApplication app) => GetAlerts.Map(app.MapApi());
}
