using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Governance.EventLog.Telemetry;

/// <summary>The store's ActivitySource and Meter, both named Governance.EventStore.</summary>
public static class EventStoreTelemetry
{
    /// <summary>The name of the source and the meter.</summary>
    public const string Name = "Governance.EventStore";

    /// <summary>Spans for appends and projection batches.</summary>
    public static ActivitySource ActivitySource { get; } = new(Name);

    /// <summary>Metrics of the store.</summary>
    public static Meter Meter { get; } = new(Name);

    internal static Counter<long> EventsAppended { get; } =
        Meter.CreateCounter<long>("governance.events.appended", "{event}", "Events appended to the log.");

    internal static Histogram<double> AppendDuration { get; } =
        Meter.CreateHistogram<double>("governance.append.duration", "ms", "Time to append one unit of work.");

    internal static Histogram<int> GroupCommitSize { get; } =
        Meter.CreateHistogram<int>("governance.append.group_size", "{append}", "New-stream appends written in one transaction.");

    internal static Counter<long> GroupCommitSplits { get; } =
        Meter.CreateCounter<long>("governance.append.group_splits", "{group}", "Groups that failed and were written one append at a time.");

    internal static Counter<long> EventsProjected { get; } =
        Meter.CreateCounter<long>("governance.projection.events", "{event}", "Events applied by async projections.");

    internal static Counter<long> DeadLettered { get; } =
        Meter.CreateCounter<long>("governance.projection.dead_lettered", "{event}", "Poison events moved aside.");

    private static readonly ConcurrentDictionary<string, (long Events, double Seconds)> Lag = new();

    static EventStoreTelemetry()
    {
        Meter.CreateObservableGauge("governance.projection.lag.events",
            () => Lag.Select(l => new Measurement<long>(l.Value.Events, new KeyValuePair<string, object?>("projection", l.Key))),
            "{event}", "Events not yet applied by a projection (approximate).");
        Meter.CreateObservableGauge("governance.projection.lag.seconds",
            () => Lag.Select(l => new Measurement<double>(l.Value.Seconds, new KeyValuePair<string, object?>("projection", l.Key))),
            "s", "Age of the newest event a projection has applied when it applied it.");
    }

    internal static void RecordLag(string projection, long events, double seconds) => Lag[projection] = (events, seconds);
}
