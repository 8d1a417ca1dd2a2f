using Governance.EventLog;
using Governance.EventLog.Projections;

namespace Governance.Api.Models;

/// <summary>Models: events, stream, read model, the lookups other features ask, the model, note and policy queries.</summary>
public static class ModelsModule
{
    public static void AddModels(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<ModelQueries>();
        builder.Services.AddSingleton<RegistryLookups>();
        builder.Services.AddSingleton<IInlineProjection, ModelsProjection>();
    }

    public static void RegisterEvents(EventLogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Model.RegisterEvents(options.Registry);
        options.Fold<Model>();
    }

    public static void MapModels(this WebApplication app)
    {
        var api = app.MapApi();
        ModelQueries.Map(api);
        AddKnowledgeNote.Map(api);
        PublishPolicy.Map(api);
    }
}
