using Governance.EventLog;
using Governance.EventLog.Projections;

namespace Governance.Api.Experiments;

/// <summary>Experiments and their runs: events, stream, read model and queries.</summary>
public static class ExperimentsModule
{
    public static void AddExperiments(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<IInlineProjection, ExperimentsProjection>();
    }

    public static void RegisterEvents(EventLogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Experiment.RegisterEvents(options.Registry);
        options.Fold<Experiment>();
    }

    public static void MapExperiments(this WebApplication app) => GetExperiments.Map(app.MapApi());
}
