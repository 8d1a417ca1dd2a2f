using Governance.EventStore.Projections;
using Governance.EventStore.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Governance.EventStore;

/// <summary>Registers the event store, its serializer, its monitor and (optionally) the projection daemon.</summary>
public static class ServiceCollectionExtensions
{

    /// <summary>
    /// Adds the store. Inline and async projections are taken from the container
    /// (<see cref="IInlineProjection"/>, <see cref="IAsyncProjection"/>), so features register their own.
    /// </summary>
    public static IServiceCollection AddGovernanceEventStore(this IServiceCollection services, Action<IServiceProvider, EventStoreOptions> configure)
    {
        services.AddSingleton(sp =>
        {
            var options = new EventStoreOptions();
            configure(sp, options);
            return options;
        });
        services.AddSingleton(sp => PostgresEventStore.CreateDataSource(sp.GetRequiredService<EventStoreOptions>()));
        services.AddKeyedSingleton(DataSourceKeys.Queries, (sp, _) => PostgresEventStore.CreateQueryDataSource(sp.GetRequiredService<EventStoreOptions>()));
        services.AddSingleton(sp => new EventSerializer(sp.GetRequiredService<EventStoreOptions>().Registry));
        services.AddSingleton(sp => new PostgresEventStore(
            sp.GetRequiredService<NpgsqlDataSource>(),
            sp.GetRequiredService<EventSerializer>(),
            sp.GetServices<IInlineProjection>(),
            sp.GetService<NodaTime.IClock>(),
            sp.GetRequiredService<EventStoreOptions>().GroupCommit));
        services.AddSingleton<IEventStore>(sp => sp.GetRequiredService<PostgresEventStore>());
        services.AddSingleton(sp => new ProjectionMonitor(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton<ProjectionDaemon>();
        services.AddSingleton<IHostedService>(sp => new DaemonHost(sp.GetRequiredService<ProjectionDaemon>(), sp.GetRequiredService<EventStoreOptions>()));
        return services;
    }

    /// <summary>Starts the daemon only where the options say this node runs it.</summary>
    private sealed class DaemonHost(ProjectionDaemon daemon, EventStoreOptions options) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) =>
            options.RunDaemon ? daemon.StartAsync(cancellationToken) : Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) =>
            options.RunDaemon ? daemon.StopAsync(cancellationToken) : Task.CompletedTask;
    }
}

/// <summary>Keys of the data sources registered besides the store's own.</summary>
public static class DataSourceKeys
{
    /// <summary>
    /// The multiplexed <see cref="NpgsqlDataSource"/> for stateless reads on hot paths
    /// (<see cref="PostgresEventStore.CreateQueryDataSource"/>); inject it with <c>[FromKeyedServices(DataSourceKeys.Queries)]</c>.
    /// </summary>
    public const string Queries = "queries";
}
