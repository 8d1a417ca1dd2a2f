using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NodaTime;

namespace Governance.Api.Tests.Harness;

/// <summary>
/// Another instance of the service on a database that already exists (another node beside a <see cref="GovernanceApp"/>,
/// or a database prepared by the test): its own services and memory, the same PostgreSQL. It never drops the database.
/// </summary>
public sealed class GovernanceNode(string connectionString, IClock clock, bool runDaemon = false) : WebApplicationFactory<Program>
{
    /// <summary>A second node of <paramref name="app"/>, sharing its database and clock.</summary>
    public static GovernanceNode Beside(GovernanceApp app) => new(app.ConnectionString, app.Clock);

    /// <inheritdoc />
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:Governance", connectionString);
        builder.UseSetting("GOVERNANCE_ADMIN_KEY", GovernanceApp.AdminKey);
        builder.UseSetting("Governance:BackgroundWork", runDaemon ? "true" : "false");
        builder.UseSetting("Governance:DataDirectory", Path.Combine(Path.GetTempPath(), "governance-api-tests-data"));
        builder.UseEnvironment("Testing");
        builder.ConfigureServices(services =>
        {
            services.RemoveAll<IClock>();
            services.AddSingleton(clock);
        });
    }

    /// <summary>A client authenticated with <paramref name="apiKey"/>.</summary>
    public HttpClient Client(string? apiKey)
    {
        var client = CreateClient();
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        return client;
    }
}
