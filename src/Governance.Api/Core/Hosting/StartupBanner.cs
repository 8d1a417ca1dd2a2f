using Governance.Api.Principals;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Governance.Api;

/// <summary>Tells the person who started the service where it listens and where the admin key is.</summary>
public static class StartupBanner
{
    /// <summary>How the line naming this node's Wolverine id begins.</summary>
    public const string NodeLinePrefix = "Node ";

    /// <summary>Prints the URLs and the admin key's whereabouts once the server listens.</summary>
    public static WebApplication AnnounceOnStart(this WebApplication app)
    {
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            foreach (var address in addresses)
            {
                Console.WriteLine($"Governance listening on {address} (try {address}/health/ready)");
            }

            Console.WriteLine(app.Configuration["GOVERNANCE_ADMIN_KEY"] is { Length: > 0 }
                ? "Admin key: the value of GOVERNANCE_ADMIN_KEY"
                : $"Admin key: {Path.GetFullPath(BootstrapAdmin.KeyFile(app.Configuration))}");

            // The id under which this node is in governance.wolverine_nodes (and its projections in wolverine_node_assignments).
            var node = app.Services.GetRequiredService<Wolverine.WolverineOptions>().UniqueNodeId;
            Console.WriteLine(Core.Commands.Nodes.RunBackgroundWork(app.Configuration)
                ? $"{NodeLinePrefix}{node}, running background work (projections, scheduled messages)"
                : $"{NodeLinePrefix}{node}, answering requests only (Governance__BackgroundWork=false)");
        });
        return app;
    }
}
