using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NodaTime;

namespace Governance.Bench;

/// <summary>
/// The service in this process (its real composition, over an in-memory HTTP server) on a benchmark database: for
/// benchmarks that must move the service's clock or call one of its services directly. Benchmarks of what a client
/// pays for (Kestrel, sockets) use <c>ServiceProcess</c> instead.
/// </summary>
public sealed class InProcessService : WebApplicationFactory<Program>
{
    private const string AdminKey = "gov_bench-admin-key-0123456789abcdefghijklmnopqrstuv";

    private readonly string connectionString;
    private readonly IClock clock;

    public InProcessService(string connectionString, IClock clock)
    {
        this.connectionString = connectionString;
        this.clock = clock;

        // The factory looks for the service's project folder next to the solution file; the bench runs from its build
        // output, where the service's files sit beside it.
        Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_GOVERNANCE_API", AppContext.BaseDirectory);
    }

    /// <summary>A client with the bootstrap admin's key.</summary>
    public HttpClient AdminClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        return client;
    }

    /// <inheritdoc />
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:Governance", connectionString);
        builder.UseSetting("GOVERNANCE_ADMIN_KEY", AdminKey);
        builder.UseSetting("Governance:DataDirectory", Path.Combine(Path.GetTempPath(), "governance-bench-data"));
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.ConfigureServices(services =>
        {
            services.RemoveAll<IClock>();
            services.AddSingleton(clock);
        });
    }
}

/// <summary>A clock the benchmark moves by hand, so seeded history spans days in seconds.</summary>
public sealed class ManualClock(Instant start) : IClock
{
    private long ticks = start.ToUnixTimeTicks();

    public Instant Now => Instant.FromUnixTimeTicks(Interlocked.Read(ref ticks));

    public Instant GetCurrentInstant() => Now;

    public void Advance(Duration by) => Interlocked.Add(ref ticks, by.BclCompatibleTicks);
}
