using Governance.EventLog;
using Governance.Api.Core.Commands;
using Governance.EventLog.Embedded;
using Governance.EventLog.Import;
using Governance.EventLog.Projections;
using JasperFx.Events.Projections;
using Marten;
using Npgsql;

namespace Governance.Api.Core.Storage;

/// <summary>Where the log lives: the configured server, or a private embedded PostgreSQL by default.</summary>
public static class StorageExtensions
{
    /// <summary>The Api's own read-model migrations.</summary>
    public static MigrationSet ApiMigrations { get; } = new("api", typeof(StorageExtensions).Assembly, "Governance.Api.Migrations.");

    /// <summary>
    /// Resolves the connection string (starting the embedded server when none is configured), then registers
    /// the event log on Marten, the read models' migrations at start-up, the async daemon and the service's store.
    /// </summary>
    public static async Task<WebApplicationBuilder> AddGovernanceStorageAsync(this WebApplicationBuilder builder, Action<EventLogOptions> configureLog)
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

        var runDaemon = Nodes.RunBackgroundWork(builder.Configuration);
        var pollInterval = TimeSpan.FromMilliseconds(Math.Clamp(builder.Configuration.GetValue("Governance:DaemonPollIntervalMs", 100), 10, 60_000));
        var groupCommit = new GroupCommitOptions();
        builder.Configuration.GetSection("Governance:GroupCommit").Bind(groupCommit);

        // First of all hosted services, Wolverine's runtime included: the schema and the read models are in place before
        // the leader assigns the first projection.
        builder.Services.AddSingleton(new StorageSettings(connectionString, runDaemon, [ApiMigrations]));
        builder.Services.Insert(0, ServiceDescriptor.Singleton<IHostedService, StartupTasks>());
        var marten = builder.Services.AddGovernanceEventLog((_, options) =>
        {
            options.ConnectionString = connectionString;

            // The lag benchmark's choice (ADR 0004): one short interval whether events arrive or not.
            options.FastPollingTime = pollInterval;
            options.SlowPollingTime = pollInterval;
            configureLog(options);
        });
        builder.Services.ConfigureMarten(KeepReadModelIndexes);
        marten.IntegrateWithCommands(backgroundWork: runDaemon);
        builder.Services.AddSingleton<ReadModelRebuild>();
        builder.Services.AddSingleton<MartenProjectionRebuild>();

        builder.Services.AddSingleton(sp => sp.GetRequiredKeyedService<NpgsqlDataSource>(EventLogKeys.DataSource));
        builder.Services.AddKeyedSingleton(DataSourceKeys.Queries, (sp, _) => EventLogStore.CreateQueryDataSource(sp.GetRequiredService<EventLogOptions>()));
        builder.Services.AddSingleton(sp => new MartenEventStore(
            sp.GetRequiredService<IDocumentStore>(),
            sp.GetRequiredKeyedService<NpgsqlDataSource>(EventLogKeys.DataSource),
            sp.GetRequiredService<EventLogOptions>().Registry,
            sp.GetServices<IInlineProjection>(),
            groupCommit));
        builder.Services.AddSingleton<IEventStore>(sp => sp.GetRequiredService<MartenEventStore>());
        builder.Services.AddLegacyEventImport(builder.Configuration.GetValue("Governance:Import:AcceptBrokenLegacyChains", false));
        return builder;
    }

    /// <summary>
    /// An async read model on Marten's daemon (a feature module adds its own). Marten owns its tables: its rebuild empties
    /// them before replaying the log. Read models no command reads go there (docs/architecture.md, "Projections").
    /// </summary>
    public static void AddAsyncReadModel<T>(this WebApplicationBuilder builder, IReadOnlyList<string> tables)
        where T : class, Marten.Events.Projections.IProjection
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(tables);
        builder.Services.AddSingleton(new AsyncReadModelTables(tables));
        T.Register<T>(builder.Services, ProjectionLifecycle.Async, ServiceLifetime.Singleton, projection =>
        {
            foreach (var table in tables)
            {
                projection.Options.DeleteDataInTableOnTeardown(table);
            }

            // The daemon loads only the events a queued-SQL read model follows; its progress still moves over the rest.
            if (projection is ProjectionWrapper<IDocumentOperations, IQuerySession> { Inner: QueuedSqlProjection followed })
            {
                foreach (var type in followed.EventTypes)
                {
                    projection.IncludeType(type);
                }
            }
        });
    }

    /// <summary>
    /// The indexes migration 0022 puts on <c>mt_events</c> for the audit feed and model documents: Marten's migrator
    /// drops indexes on its tables that it was not told about.
    /// </summary>
    public static void KeepReadModelIndexes(StoreOptions opts)
    {
        ArgumentNullException.ThrowIfNull(opts);
        foreach (var index in new[] { "gov_events_model", "gov_events_user_name", "gov_events_type", "gov_events_stream_pattern" })
        {
            opts.Events.IgnoreIndex(index);
        }
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

    /// <summary>
    /// Brings the database up to date as the service's start does, without its start-up tasks: the log's schema through
    /// Marten's schema management (its tables and our guarantees), then the read models' migrations.
    /// </summary>
    public static async Task ApplySchemaAsync(IServiceProvider services, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(services);
        await services.GetRequiredService<IDocumentStore>().Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await SchemaMigrator.MigrateAsync(services.GetRequiredService<NpgsqlDataSource>(), services.GetRequiredService<StorageSettings>().Migrations, ct);
    }

    /// <summary>The tables the async (Marten) projections write; Marten empties them when it rebuilds those projections.</summary>
    public static IReadOnlyList<string> AsyncProjectionTables(IServiceProvider services) =>
        [.. services.GetServices<AsyncReadModelTables>().SelectMany(t => t.Tables)];
}

/// <summary>The tables one async read model writes (<see cref="StorageExtensions.AddAsyncReadModel{T}"/>).</summary>
public sealed record AsyncReadModelTables(IReadOnlyList<string> Tables);

/// <summary>What storage was configured with, for start-up and readiness.</summary>
public sealed record StorageSettings(string ConnectionString, bool RunDaemon, IReadOnlyList<MigrationSet> Migrations);
