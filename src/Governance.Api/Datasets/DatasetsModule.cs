using Governance.EventLog;
using Governance.EventLog.Projections;

namespace Governance.Api.Datasets;

/// <summary>Datasets: events, stream, read model and queries.</summary>
public static class DatasetsModule
{
    public static void AddDatasets(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<DatasetQueries>();
        builder.Services.AddSingleton<IInlineProjection, DatasetsProjection>();
    }

    public static void RegisterEvents(EventLogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Dataset.RegisterEvents(options.Registry);
        options.Fold<Dataset>();
    }

    public static void MapDatasets(this WebApplication app) => DatasetQueries.Map(app.MapApi());
}
