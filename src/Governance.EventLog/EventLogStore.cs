using System.Diagnostics.Metrics;
using Governance.EventLog.Guarantees;
using JasperFx.Events;
using JasperFx.MultiTenancy;
using JasperFx.OpenTelemetry;
using Marten;
using Marten.Services;
using NodaTime;
using Npgsql;
using NpgsqlTypes;
using Weasel.Core;
using Weasel.Postgresql;

namespace Governance.EventLog;

/// <summary>
/// Marten configured as this service's event log. Everything here is part of the contract (DESIGN §3): change it
/// and the start-up check refuses to run.
/// </summary>
public static class EventLogStore
{
    private static readonly Lock MappingLock = new();
    private static bool nodaTimeMapped;

    /// <summary>
    /// The data source of the log: NodaTime types bound by Npgsql, a lock timeout and an idle-in-transaction timeout
    /// on every session, prepared statements for the few statements an append runs all day, and pooled connections
    /// reset before each reuse.
    /// </summary>
    public static NpgsqlDataSource CreateDataSource(EventLogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var connection = new NpgsqlConnectionStringBuilder(options.ConnectionString);
        var settings = $"-c lock_timeout={(long)options.LockTimeout.TotalMilliseconds} " +
                       $"-c idle_in_transaction_session_timeout={(long)options.IdleInTransactionTimeout.TotalMilliseconds}";
        connection.Options = string.IsNullOrWhiteSpace(connection.Options) ? settings : $"{connection.Options} {settings}";
        if (connection.MaxAutoPrepare == 0)
        {
            connection.MaxAutoPrepare = 64;
            connection.AutoPrepareMinUsages = 2;
        }

        // Npgsql resets a pooled session before its next use (RESET ALL, UNLISTEN *, pg_advisory_unlock_all(),
        // DISCARD TEMP, ...). Skipping that would make each append about a quarter cheaper (docs/benchmarks.md), but
        // Marten leaves session state behind: a bulk insert keeps its temporary table, and the next bulk insert on that
        // connection fails because the table already exists (PooledConnectionTests). So the reset stays, whatever the
        // connection string says.
        connection.NoResetOnClose = false;

        var builder = new NpgsqlDataSourceBuilder(connection.ConnectionString);
        builder.UseNodaTime();
        return builder.Build();
    }

    /// <summary>
    /// A data source for stateless queries on hot request paths: Npgsql multiplexing pipelines the statements of
    /// concurrent requests over a few connections, so many small reads share round trips and backends (ADR 0003).
    /// It must never carry session state (no advisory locks, LISTEN, SET); transactions use <see cref="CreateDataSource"/>.
    /// </summary>
    public static NpgsqlDataSource CreateQueryDataSource(EventLogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var multiplexed = new NpgsqlConnectionStringBuilder(options.ConnectionString) { Multiplexing = true };
        return CreateDataSource(new EventLogOptions
        {
            ConnectionString = multiplexed.ConnectionString,
            LockTimeout = options.LockTimeout,
            IdleInTransactionTimeout = options.IdleInTransactionTimeout,
        });
    }

    /// <summary>
    /// Configures <paramref name="opts"/> as the event log on <paramref name="dataSource"/>: schema, identity, names,
    /// append mode, metadata, serializer, clock, daemon gap handling and our guarantees.
    /// </summary>
    public static void Configure(StoreOptions opts, EventLogOptions options, NpgsqlDataSource dataSource, IClock clock)
    {
        ArgumentNullException.ThrowIfNull(opts);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(clock);
        MapNodaTimeParameters();

        opts.Connection(dataSource);
        opts.DatabaseSchemaName = EventLogOptions.Schema;
        opts.Events.DatabaseSchemaName = EventLogOptions.Schema;
        opts.Events.StreamIdentity = StreamIdentity.AsString;
        opts.Events.TenancyStyle = TenancyStyle.Single;

        // Quick: sequence numbers are drawn inside the appending transaction, which is what lets the daemon tell a
        // slow commit from a dead gap (Rich mode lost committed events in a 32-writer test). "WithServerTimestamps"
        // despite its name means the client's timestamp is written: ours, from the service clock (ClockStamping).
        opts.Events.AppendMode = EventAppendMode.QuickWithServerTimestamps;
        opts.Events.UseExclusiveLockOnConcurrentAppends = true;
        opts.Events.UseMandatoryStreamTypeDeclaration = true;
        opts.Events.EnableAdvancedAsyncTracking = true;
        opts.Events.MetadataConfig.CorrelationIdEnabled = true;
        opts.Events.MetadataConfig.CausationIdEnabled = true;
        opts.Events.MetadataConfig.UserNameEnabled = true;
        opts.Events.MetadataConfig.HeadersEnabled = true;

        foreach (var (type, name) in options.Registry.Registrations)
        {
            opts.Events.MapEventType(type, name);
        }

        opts.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase, EventJson.Configure);
        foreach (var fold in options.Folds)
        {
            fold(opts);
        }

        opts.Listeners.Add(new ClockStamping(options.Registry, clock));

        opts.Projections.StaleSequenceThreshold = options.StaleSequenceThreshold;
        opts.Projections.FastPollingTime = options.FastPollingTime;
        opts.Projections.SlowPollingTime = options.SlowPollingTime;
        opts.Projections.UseTransactionEvidenceForGapSkipping = true;
        opts.Projections.SkipStaleGapsDespiteLiveTransactionsAfter = null;

        opts.Storage.Add(new LogGuarantees(opts, options.AllowEmptyingForTests));

        // Marten's spans (a session's connection and what fails on it) and its marten.event.append counter, on the
        // ActivitySource and Meter named "Marten", plus governance.events.appended (DESIGN §7) counted from what
        // each session committed. With telemetry off nothing listens: no span is started and no measurement kept.
        opts.OpenTelemetry.TrackConnections = TrackLevel.Normal;
        opts.OpenTelemetry.TrackEventCounters();
        opts.OpenTelemetry.ExportCounterOnChangeSets<long>("governance.events.appended", "{event}", CountAppended);
    }

    /// <summary>
    /// What the log must be to keep its promises; empty when <paramref name="opts"/> is configured as the log.
    /// Checked at start-up, after every other piece of configuration had its say.
    /// </summary>
    public static IReadOnlyList<string> Problems(StoreOptions opts)
    {
        ArgumentNullException.ThrowIfNull(opts);
        var problems = new List<string>();
        if (opts.Events.AppendMode is not (EventAppendMode.Quick or EventAppendMode.QuickWithServerTimestamps))
        {
            problems.Add($"events must be appended in Quick mode (QuickWithServerTimestamps), not {opts.Events.AppendMode}: " +
                         "in any other mode the async daemon can skip committed events");
        }

        if (opts.Events.StreamIdentity != StreamIdentity.AsString)
        {
            problems.Add("stream ids must be strings (StreamIdentity.AsString)");
        }

        if (!opts.Events.UseExclusiveLockOnConcurrentAppends)
        {
            problems.Add("UseExclusiveLockOnConcurrentAppends must be on, so a lost race fails before it burns a sequence number");
        }

        if (opts.Events.TenancyStyle != TenancyStyle.Single)
        {
            problems.Add("the log has one tenant (TenancyStyle.Single)");
        }

        if (opts.Events.DatabaseSchemaName != EventLogOptions.Schema || opts.DatabaseSchemaName != EventLogOptions.Schema)
        {
            problems.Add($"everything must live in schema '{EventLogOptions.Schema}'");
        }

        if (opts.Storage.FindFeature(typeof(LogGuarantees)) is not LogGuarantees)
        {
            problems.Add("the append-only guard and hash chain (LogGuarantees) are not registered");
        }

        return problems;
    }

    // Untagged: Marten knows a stream's type only when the session named it, and marten.event.append already
    // breaks the same count down by event type.
    private static void CountAppended(Counter<long> counter, IChangeSet changes) =>
        counter.Add(changes.GetStreams().Sum(s => s.Events.Count));

    // Weasel picks the NpgsqlDbType of every QueueSqlCommand parameter; without these it binds NodaTime values as text.
    private static void MapNodaTimeParameters()
    {
        lock (MappingLock)
        {
            if (nodaTimeMapped)
            {
                return;
            }

            PostgresqlProvider.Instance.RegisterMapping(typeof(Instant), "timestamp with time zone", NpgsqlDbType.TimestampTz);
            PostgresqlProvider.Instance.RegisterMapping(typeof(LocalDate), "date", NpgsqlDbType.Date);
            PostgresqlProvider.Instance.RegisterMapping(typeof(LocalTime), "time", NpgsqlDbType.Time);
            PostgresqlProvider.Instance.RegisterMapping(typeof(Duration), "interval", NpgsqlDbType.Interval);
            nodaTimeMapped = true;
        }
    }
}
