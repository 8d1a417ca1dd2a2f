using System.Net.Http.Headers;
using System.Text.Json;
using Alba;
using Governance.Api.Core.Auth;
using Marten;
using Marten.Events;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NodaTime;
using NodaTime.Testing;
using Npgsql;

namespace Governance.Api.Tests.Harness;

/// <summary>
/// The real service in an Alba host (<see cref="AlbaHost.For{TEntryPoint}(Action{IWebHostBuilder}, IAlbaExtension[])"/>),
/// on its own cloned database, with a clock the test moves. One per test class (IClassFixture).
/// </summary>
public class GovernanceApp : IAsyncLifetime
{
    /// <summary>The bootstrap admin's key in tests.</summary>
    public const string AdminKey = "gov_test-admin-key-0123456789abcdefghijklmnopqrstuv";

    /// <summary>Where the fake clock starts: a Monday morning.</summary>
    public static readonly Instant Start = Instant.FromUtc(2026, 11, 23, 9, 0);

    private string connectionString = "";
    private IAlbaHost? host;

    /// <summary>The clock every decider sees.</summary>
    public FakeClock Clock { get; } = new(Start);

    /// <summary>JSON as the service writes it.</summary>
    public JsonSerializerOptions Json => ScenarioResults.Json;

    /// <summary>Errors the app logged, for tests to show when it answered 5xx.</summary>
    public ServerErrorLog ServerErrors { get; } = new();

    /// <summary>The database of this app.</summary>
    public string ConnectionString => connectionString;

    /// <summary>The Alba host running the service.</summary>
    public IAlbaHost Host => host ?? throw new InvalidOperationException("The app has not been initialized.");

    /// <summary>The service's container.</summary>
    public IServiceProvider Services => Host.Services;

    /// <summary>The in-memory server, for clients and handlers of our own.</summary>
    public TestServer Server => Host.Server;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        connectionString = await TestDatabase.CreateAsync();
        host = await AlbaHost.For<Program>(ConfigureWebHost);

        // Every scenario is the admin's unless it says otherwise (As, Anonymous): its own setup runs after this one.
        host.BeforeEach(context => context.Request.Headers.Authorization = "Bearer " + AdminKey);
        await WaitUntilReadyAsync();
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (host is not null)
        {
            await host.DisposeAsync();
        }

        await TestDatabase.DropAsync(connectionString);
    }

    /// <summary>The service's settings and services for tests; a derived app adds its own after these.</summary>
    protected virtual void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:Governance", connectionString);
        builder.UseSetting("GOVERNANCE_ADMIN_KEY", AdminKey);
        builder.UseSetting("Governance:DaemonPollIntervalMs", "50");
        builder.UseSetting("Governance:DataDirectory", Path.Combine(Path.GetTempPath(), "governance-api-tests-data"));
        builder.UseEnvironment("Testing");
        builder.ConfigureServices(services =>
        {
            services.RemoveAll<IClock>();
            services.AddSingleton<IClock>(Clock);
            services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(ServerErrors);
        });
    }

    /// <summary>
    /// Runs an Alba scenario as the admin: one request, every expectation checked, all failures reported together
    /// (with what the server logged when it failed on its side).
    /// </summary>
    public async Task<IScenarioResult> Scenario(Action<Scenario> configure)
    {
        var errorsBefore = ServerErrors.Entries.Count;
        try
        {
            return await Host.Scenario(s => ScenarioExtensions.Configure(s, configure));
        }
        catch (ScenarioAssertionException failed) when (ServerErrors.Entries.Count > errorsBefore)
        {
            // A 5xx is only half a story without what the server logged.
            var withErrors = new ScenarioAssertionException();
            withErrors.Add(failed.Message);
            withErrors.Add("Server errors:\n" + string.Join("\n", ServerErrors.Entries.Skip(errorsBefore).TakeLast(3)));
            throw withErrors;
        }
    }

    /// <summary>A client of the in-memory server, as WebApplicationFactory made them (redirects followed, cookies kept).</summary>
    public HttpClient CreateClient() => CreateClient(new WebApplicationFactoryClientOptions());

    /// <summary>A client of the in-memory server with these options.</summary>
    public HttpClient CreateClient(WebApplicationFactoryClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        HttpMessageHandler handler = Server.CreateHandler();
        if (options.HandleCookies)
        {
            handler = new CookieContainerHandler { InnerHandler = handler };
        }

        if (options.AllowAutoRedirect)
        {
            handler = new RedirectHandler(options.MaxAutomaticRedirections) { InnerHandler = handler };
        }

        return new HttpClient(handler) { BaseAddress = options.BaseAddress };
    }

    /// <summary>A client authenticated with <paramref name="apiKey"/> (the admin's by default).</summary>
    public HttpClient Client(string? apiKey = AdminKey)
    {
        var client = CreateClient();
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        return client;
    }

    /// <summary>Creates a principal with roles and returns its key.</summary>
    public async Task<string> CreatePrincipalAsync(string name, params string[] roles)
    {
        var created = await Scenario(s => s.Post.Json(new { name, roles }).ToUrl("/api/v1/principals").StatusCodeShouldBe(201));
        return created.Json.GetProperty("apiKey").GetString()!;
    }

    /// <summary>How many events the log holds (to prove a refused request wrote nothing).</summary>
    public async Task<long> EventCountAsync()
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM governance.mt_events", connection);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>Runs SQL against the app's database, e.g. as a tampering superuser.</summary>
    public async Task ExecuteSqlAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>Waits until async projections have caught up with everything committed so far.</summary>
    public Task WaitForNonStaleProjectionsAsync() =>
        Services.GetRequiredService<IDocumentStore>().WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(30));

    private async Task WaitUntilReadyAsync()
    {
        using var client = CreateClient();
        for (var i = 0; i < 100; i++)
        {
            using var response = await client.GetAsync("/health/ready");
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new InvalidOperationException("The service did not become ready.");
    }

    /// <summary>Role names for tests.</summary>
    public static class Role
    {
        public const string Viewer = Roles.Viewer;
        public const string Contributor = Roles.Contributor;
        public const string Approver = Roles.Approver;
        public const string OnCall = Roles.OnCall;
        public const string Admin = Roles.Admin;
    }
}
