using Governance.EventLog;
using Governance.EventLog.Projections;

namespace Governance.Api.Promotions;

/// <summary>Promotions: events, stream, read model, the facts their gates need, queries.</summary>
public static class PromotionsModule
{
    public static void AddPromotions(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<PromotionLookups>();
        builder.Services.AddSingleton<PromotionQueries>();
        builder.Services.AddSingleton<IInlineProjection, PromotionsProjection>();
    }

    public static void RegisterEvents(EventLogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Promotion.RegisterEvents(options.Registry);
        options.Fold<Promotion>();
    }

    public static void MapPromotions(this WebApplication app) => PromotionQueries.Map(app.MapApi());
}
