using Governance.EventLog.Guarantees;
using Governance.EventLog.Projections;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NodaTime;
using Npgsql;

namespace Governance.EventLog;

/// <summary>Registers Marten as the service's event log.</summary>
public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Adds the event log: its data source, Marten configured by <see cref="EventLogStore.Configure"/>, the hash chain
    /// verifier, and a start-up check that refuses to run a log that cannot keep its promises. Feature modules register
    /// their events on <see cref="EventLogOptions.Registry"/> in <paramref name="configure"/>. The clock is the
    /// container's <see cref="IClock"/> (the system clock when none is registered).
    /// </summary>
    /// <returns>
    /// Marten's configuration expression, to add projections, the daemon or Wolverine. The service chains
    /// <c>ApplyAllDatabaseChangesOnStartup()</c>; without it the schema must already be in place, or the start is refused.
    /// </returns>
    public static MartenServiceCollectionExtensions.MartenConfigurationExpression AddGovernanceEventLog(
        this IServiceCollection services, Action<IServiceProvider, EventLogOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddSingleton(sp =>
        {
            var options = new EventLogOptions();
            configure(sp, options);
            return options;
        });
        services.AddKeyedSingleton(EventLogKeys.DataSource, (sp, _) => EventLogStore.CreateDataSource(sp.GetRequiredService<EventLogOptions>()));
        services.AddSingleton(sp => new HashChainVerifier(sp.GetRequiredKeyedService<NpgsqlDataSource>(EventLogKeys.DataSource)));
        services.AddSingleton<IHostedService, EventLogStartupCheck>();

        return services.AddMarten(sp =>
        {
            var opts = new StoreOptions();
            EventLogStore.Configure(
                opts,
                sp.GetRequiredService<EventLogOptions>(),
                sp.GetRequiredKeyedService<NpgsqlDataSource>(EventLogKeys.DataSource),
                sp.GetService<IClock>() ?? SystemClock.Instance);
            var options = sp.GetRequiredService<EventLogOptions>();
            var current = sp.GetService<ICurrentEventMetadata>();
            var projections = new Lazy<IReadOnlyList<IInlineProjection>>(() => [.. sp.GetServices<IInlineProjection>()]);
            opts.Listeners.Add(new InlineProjectionsListener(options.Registry, options.Folded, () => projections.Value, () => current?.Current));
            return opts;
        });
    }
}

/// <summary>
/// Who is appending right now (the authenticated caller of the request being served), for sessions that append
/// without saying so themselves; null outside a request.
/// </summary>
public interface ICurrentEventMetadata
{
    /// <summary>The metadata for events appended now, or null.</summary>
    EventMetadata? Current { get; }
}

/// <summary>Keys of the services the log registers besides Marten's own.</summary>
public static class EventLogKeys
{
    /// <summary>The log's <see cref="NpgsqlDataSource"/> (NodaTime-aware, with the log's session timeouts).</summary>
    public const string DataSource = "event-log";
}

/// <summary>Keys of the data sources the service registers besides the log's own.</summary>
public static class DataSourceKeys
{
    /// <summary>
    /// The multiplexed <see cref="NpgsqlDataSource"/> for stateless reads on hot paths
    /// (<see cref="EventLogStore.CreateQueryDataSource"/>); inject it with <c>[FromKeyedServices(DataSourceKeys.Queries)]</c>.
    /// </summary>
    public const string Queries = "queries";
}
