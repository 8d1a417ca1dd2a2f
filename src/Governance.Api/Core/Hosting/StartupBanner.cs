using Governance.Api.Principals;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Governance.Api;

/// <summary>Tells the person who started the service where it listens and where the admin key is.</summary>
public static class StartupBanner
{
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
        });
        return app;
    }
}
