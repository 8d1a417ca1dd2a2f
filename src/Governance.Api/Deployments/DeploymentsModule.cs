using Governance.EventLog;
using Governance.EventLog.Projections;

namespace Governance.Api.Deployments;

/// <summary>Deployments per stage: events, stream, read model and queries.</summary>
public static class DeploymentsModule
{
    public static void AddDeployments(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<DeploymentQueries>();
        builder.Services.AddSingleton<IInlineProjection, DeploymentsProjection>();
    }

    public static void RegisterEvents(EventLogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Deployment.RegisterEvents(options.Registry);
        options.Fold<Deployment>();
    }

    public static void MapDeployments(this WebApplication app) => DeploymentQueries.Map(app.MapApi());
}
