using Governance.Api.Core.Storage;
using Governance.EventLog;
using Governance.EventLog.Projections;

namespace Governance.Api.Principals;

/// <summary>Principals and their API keys: events, stream, read model, the first admin at start-up, the principal queries.</summary>
public static class PrincipalsModule
{
    public static void AddPrincipals(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<IInlineProjection, PrincipalsProjection>();
        builder.Services.AddSingleton<IStartupTask, BootstrapAdmin>();
    }

    public static void RegisterEvents(EventLogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Principal.RegisterEvents(options.Registry);
        options.Fold<Principal>();
    }

    public static void MapPrincipals(this WebApplication app) => PrincipalView.Map(app.MapApi());
}
