using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Json;
using Marten;
using Marten.Events;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NodaTime;
using NodaTime.Testing;
using Npgsql;

namespace Governance.Api.Tests.Harness;

/// <summary>
/// The real service over WebApplicationFactory, on its own cloned database, with a clock the test moves.
/// One per test class (IClassFixture).
/// </summary>
public class GovernanceApp : WebApplicationFactory<Program>, IAsyncLifetime
{
    /// <summary>The bootstrap admin's key in tests.</summary>
    public const string AdminKey = "gov_test-admin-key-0123456789abcdefghijklmnopqrstuv";

    /// <summary>Where the fake clock starts: a Monday morning.</summary>
    public static readonly Instant Start = Instant.FromUtc(2026, 11, 23, 9, 0);

    private string connectionString = "";

    /// <summary>The clock every decider sees.</summary>
    public FakeClock Clock { get; } = new(Start);

    /// <summary>JSON as the service writes it.</summary>
    public JsonSerializerOptions Json { get; } = CreateJson();

    /// <summary>Errors the app logged, for tests to show when it answered 5xx.</summary>
    public ServerErrorLog ServerErrors { get; } = new();

    /// <summary>The database of this app.</summary>
    public string ConnectionString => connectionString;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        connectionString = await TestDatabase.CreateAsync();
        _ = Server; // start the host now, so failures show up in the fixture, not in the first test
        await WaitUntilReadyAsync();
    }

    /// <inheritdoc />
    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await TestDatabase.DropAsync(connectionString);
    }

    /// <inheritdoc />
    protected override void ConfigureWebHost(IWebHostBuilder builder)
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

    /// <summary>Runs a scenario: one request, every expectation checked, all failures reported together.</summary>
    public async Task<ScenarioResult> Scenario(Action<Scenario> configure)
    {
        var scenario = new Scenario(this);
        configure(scenario);
        using var client = CreateClient();
        using var request = scenario.BuildRequest();
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        var result = new ScenarioResult(response.StatusCode, response.Headers, response.Content.Headers, body, Json);
        try
        {
            scenario.Verify(result);
        }
        catch (ScenarioAssertionException failed) when ((int)response.StatusCode >= 500 && ServerErrors.Entries.Count > 0)
        {
            // A 5xx is only half a story without what the server logged.
            throw new ScenarioAssertionException(failed.Message + "\nServer errors:\n" + string.Join("\n", ServerErrors.Entries.TakeLast(3)));
        }

        return result;
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
        using var client = Client();
        using var response = await client.PostAsJsonAsync("/api/v1/principals", new { name, roles }, Json);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Creating principal {name} failed: {(int)response.StatusCode} {body}");
        }

        return JsonDocument.Parse(body).RootElement.GetProperty("apiKey").GetString()!;
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

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        JsonConfiguration.Apply(options);
        options.UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Skip;
        return options;
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
