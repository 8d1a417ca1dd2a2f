using Governance.EventLog;
using Governance.EventLog.Projections;

namespace Governance.Api.Evaluations;

/// <summary>Evaluation suites and evaluations: events, the suite stream, read model and queries.</summary>
public static class EvaluationsModule
{
    public static void AddEvaluations(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<IInlineProjection, EvaluationsProjection>();
    }

    public static void RegisterEvents(EventLogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Suite.RegisterEvents(options.Registry);
        Evaluation.RegisterEvents(options.Registry);
        options.Fold<Suite>();
    }

    public static void MapEvaluations(this WebApplication app)
    {
        var api = app.MapApi();
        GetSuites.Map(api);
        GetEvaluations.Map(api);
    }
}
