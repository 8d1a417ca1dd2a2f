namespace Governance.EventLog;

/// <summary>The stream was not at the version the writer expected, or another writer got there first.</summary>
public sealed class ConcurrencyException : Exception
{
    public ConcurrencyException(string streamId, ExpectedVersion expected, long actual, Exception? inner = null)
        : base($"Stream '{streamId}' was expected at {expected} but is at version {actual}.", inner)
    {
        StreamId = streamId;
        Expected = expected;
        Actual = actual;
    }

    public ConcurrencyException() : base("Concurrent write.") => StreamId = "";

    public ConcurrencyException(string message) : base(message) => StreamId = "";

    public ConcurrencyException(string message, Exception inner) : base(message, inner) => StreamId = "";

    /// <summary>The stream whose version did not match.</summary>
    public string StreamId { get; }

    /// <summary>What the writer expected.</summary>
    public ExpectedVersion Expected { get; }

    /// <summary>The stream's version once the write had failed (0: there is no such stream; -1: not known).</summary>
    public long Actual { get; } = -1;
}
