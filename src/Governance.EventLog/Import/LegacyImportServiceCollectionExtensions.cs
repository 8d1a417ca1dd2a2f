using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Governance.EventLog.Import;

/// <summary>Offers <see cref="LegacyEventImport"/> to the service, on the log registered by <c>AddGovernanceEventLog</c>.</summary>
public static class LegacyImportServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="LegacyEventImport"/> over the log's options and data source. The service calls
    /// <see cref="LegacyEventImport.ImportIfPresentAsync"/> once the schema is applied, before projections run.
    /// </summary>
    /// <param name="services">The container that has the event log.</param>
    /// <param name="acceptBrokenLegacyChains">See <see cref="LegacyEventImport(EventLogOptions, NpgsqlDataSource, ILogger{LegacyEventImport}, bool)"/>.</param>
    public static IServiceCollection AddLegacyEventImport(this IServiceCollection services, bool acceptBrokenLegacyChains = false) =>
        services.AddSingleton(sp => new LegacyEventImport(
            sp.GetRequiredService<EventLogOptions>(),
            sp.GetRequiredKeyedService<NpgsqlDataSource>(EventLogKeys.DataSource),
            sp.GetService<ILoggerFactory>()?.CreateLogger<LegacyEventImport>() ?? NullLogger<LegacyEventImport>.Instance,
            acceptBrokenLegacyChains));
}
