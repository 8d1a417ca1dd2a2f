using Governance.EventLog;
using Governance.EventLog.Projections;

namespace Governance.Api.ModelVersions;

/// <summary>Model versions: events, stream, read model and queries.</summary>
public static class ModelVersionsModule
{
    public static void AddModelVersions(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<IInlineProjection, ModelVersionsProjection>();
    }

    public static void RegisterEvents(EventLogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ModelVersion.RegisterEvents(options.Registry);
        options.Fold<ModelVersion>();
    }

    public static void MapModelVersions(this WebApplication app) => GetModelVersion.Map(app.MapApi());
}
