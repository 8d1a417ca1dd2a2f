using Governance.Api.Core.Storage;
using Governance.Api.Incidents;
using Governance.EventLog;
using Governance.EventLog.Projections;

namespace Governance.Api.Slos;

/// <summary>SLOs: events, stream, read models (definitions inline, status on the daemon), breach detection on the operations timer, queries.</summary>
public static class SlosModule
{
    public static void AddSlos(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<SloBreachDetector>();
        builder.Services.AddSingleton<IOperationsCheck>(sp => sp.GetRequiredService<SloBreachDetector>());
        builder.Services.AddSingleton<IInlineProjection, SlosProjection>();
        builder.AddAsyncReadModel<SloStatusProjection>(SloStatusProjection.Tables);
    }

    public static void RegisterEvents(EventLogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Slo.RegisterEvents(options.Registry);
        options.Fold<Slo>();
    }

    public static void MapSlos(this WebApplication app) => GetSlo.Map(app.MapApi());
}
