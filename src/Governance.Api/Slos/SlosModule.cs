using Governance.Api.Core.Storage;
using Governance.EventLog;
using Governance.EventLog.Projections;

namespace Governance.Api.Slos;

/// <summary>SLOs: events, stream, read models (definitions inline, status on the daemon), breach detection run by the operations agent (registered by IncidentsModule), queries.</summary>
public static class SlosModule
{
    public static void AddSlos(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
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
