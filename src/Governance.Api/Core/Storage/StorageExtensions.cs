using Governance.EventLog;
using Governance.EventLog.Embedded;
using Governance.EventStore;

namespace Governance.Api.Core.Storage;

/// <summary>Where the log lives: the configured server, or a private embedded PostgreSQL by default.</summary>
public static class StorageExtensions
{
    /// <summary>The Api's own read-model migrations.</summary>
    public static MigrationSet ApiMigrations { get; } = new("api", typeof(StorageExtensions).Assembly, "Governance.Api.Migrations.");

    /// <summary>
    /// Resolves the connection string (starting the embedded server when none is configured), then registers
    /// the event store, migrations at start-up and the features' event types and projections.
    /// </summary>
    public static async Task<WebApplicationBuilder> AddGovernanceStorageAsync(this WebApplicationBuilder builder, Action<EventStoreOptions> configureStore)
    {
        var connectionString = builder.Configuration.GetConnectionString("Governance");
        var dataDirectory = DataDirectory(builder.Configuration);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            var embedded = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { DataDirectory = dataDirectory });
            builder.Services.AddSingleton(embedded);
            connectionString = PostgresDatabases.ForDatabase(embedded.ConnectionString, "governance");
            await PostgresDatabases.EnsureExistsAsync(connectionString);
            Console.WriteLine($"Embedded PostgreSQL on 127.0.0.1:{embedded.Port} (data in {Path.GetFullPath(dataDirectory)}; psql \"$(cat {Path.Combine(dataDirectory, "connection")})\")");
        }

        var pollInterval = builder.Configuration.GetValue("Governance:DaemonPollIntervalMs", 500);
        var runDaemon = builder.Configuration.GetValue("Governance:RunDaemon", true);
        var batchInterval = builder.Configuration.GetValue("Governance:DaemonBatchIntervalMs", 100);
        var groupCommit = new GroupCommitOptions();
        builder.Configuration.GetSection("Governance:GroupCommit").Bind(groupCommit);
        builder.Services.AddHostedService<StartupTasks>();
        builder.Services.AddGovernanceEventStore((_, options) =>
        {
            options.ConnectionString = connectionString;
            options.RunDaemon = runDaemon;
            options.GroupCommit = groupCommit;
            options.DaemonPollInterval = TimeSpan.FromMilliseconds(pollInterval);
            options.DaemonBatchInterval = TimeSpan.FromMilliseconds(batchInterval);
            options.Migrations.Add(ApiMigrations);
            configureStore(options);
        });
        return builder;
    }

    /// <summary>The folder for the embedded database and the generated admin key.</summary>
    /// <remarks>
    /// A relative folder is taken from the repository root when run from a clone (dotnet run starts in the
    /// project folder), so `.governance/` is where the README says it is.
    /// </remarks>
    public static string DataDirectory(IConfiguration configuration)
    {
        var configured = configuration["Governance:DataDirectory"] is { Length: > 0 } value ? value : ".governance";
        if (Path.IsPathRooted(configured))
        {
            return configured;
        }

        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Governance.sln")))
            {
                return Path.Combine(dir.FullName, configured);
            }
        }

        return Path.GetFullPath(configured);
    }
}
