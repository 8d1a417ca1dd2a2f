using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Governance.EventLog.Telemetry;

/// <summary>
/// Spans and metrics of the service's append path on top of Marten's own (<c>Governance.EventLog</c>): how long a
/// unit of work takes and how new streams share transactions. Events appended are counted by Marten
/// (<c>governance.events.appended</c>, see <see cref="EventLogStore"/>).
/// </summary>
public static class LogTelemetry
{
    /// <summary>The name of the source and the meter.</summary>
    public const string Name = "Governance.EventLog";

    /// <summary>Spans for appends.</summary>
    public static ActivitySource ActivitySource { get; } = new(Name);

    /// <summary>Metrics of the append path.</summary>
    public static Meter Meter { get; } = new(Name);

    internal static Histogram<double> AppendDuration { get; } =
        Meter.CreateHistogram<double>("governance.append.duration", "ms", "Time to append one unit of work, inline projections included.");

    internal static Histogram<int> GroupCommitSize { get; } =
        Meter.CreateHistogram<int>("governance.append.group_size", "{append}", "New-stream appends written in one transaction.");

    internal static Counter<long> GroupCommitSplits { get; } =
        Meter.CreateCounter<long>("governance.append.group_splits", "{group}", "Groups that failed and were written one append at a time.");
}
