using NodaTime;

namespace Governance.EventLog;

/// <summary>The position of an event in the global log, in the order the daemon reads it.</summary>
public readonly record struct LogPosition(ulong TxId, long Seq) : IComparable<LogPosition>
{
    /// <summary>Before the first event.</summary>
    public static LogPosition Start { get; } = new(0, 0);

    /// <inheritdoc />
    public int CompareTo(LogPosition other)
    {
        var byTx = TxId.CompareTo(other.TxId);
        return byTx != 0 ? byTx : Seq.CompareTo(other.Seq);
    }

    public static bool operator <(LogPosition left, LogPosition right) => left.CompareTo(right) < 0;

    public static bool operator >(LogPosition left, LogPosition right) => left.CompareTo(right) > 0;

    public static bool operator <=(LogPosition left, LogPosition right) => left.CompareTo(right) <= 0;

    public static bool operator >=(LogPosition left, LogPosition right) => left.CompareTo(right) >= 0;

    /// <summary>An opaque cursor string for HTTP paging.</summary>
    public string ToCursor() => $"{TxId}.{Seq}";

    /// <summary>Parses a cursor made by <see cref="ToCursor"/>.</summary>
    public static bool TryParseCursor(string? text, out LogPosition position)
    {
        position = Start;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var parts = text.Split('.');
        if (parts.Length == 2 && ulong.TryParse(parts[0], out var tx) && long.TryParse(parts[1], out var seq) && seq >= 0)
        {
            position = new LogPosition(tx, seq);
            return true;
        }

        return false;
    }
}

/// <summary>An event as it sits in the log.</summary>
public sealed record StoredEvent(
    long Seq,
    ulong TxId,
    Guid Id,
    string StreamId,
    string StreamType,
    int Version,
    string Type,
    object Data,
    EventMetadata Metadata,
    Instant RecordedAt,
    byte[] Hash)
{
    /// <summary>Where the event sits in daemon order.</summary>
    public LogPosition Position => new(TxId, Seq);
}

/// <summary>Events for one stream inside a unit of work.</summary>
public sealed record StreamAppend(string StreamId, string StreamType, ExpectedVersion Expected, IReadOnlyList<object> Events);

/// <summary>What an append wrote.</summary>
public sealed record AppendResult(IReadOnlyList<StoredEvent> Events)
{
    /// <summary>The version of a stream after the append.</summary>
    public long VersionOf(string streamId) => Events.Where(e => e.StreamId == streamId).Select(e => (long)e.Version).DefaultIfEmpty(0).Max();
}
