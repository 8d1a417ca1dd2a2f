namespace Governance.EventLog;

/// <summary>What a writer believes about a stream before appending to it.</summary>
public readonly record struct ExpectedVersion
{
    private const long AnyValue = -1;
    private const long NoStreamValue = 0;
    private const long StreamExistsValue = -2;

    private ExpectedVersion(long value) => Value = value;

    /// <summary>The raw value: -1 any, -2 stream exists, 0 no stream, otherwise the exact version.</summary>
    public long Value { get; }

    /// <summary>Append whatever the stream's state.</summary>
    public static ExpectedVersion Any { get; } = new(AnyValue);

    /// <summary>The stream must not exist yet.</summary>
    public static ExpectedVersion NoStream { get; } = new(NoStreamValue);

    /// <summary>The stream must already exist, at any version.</summary>
    public static ExpectedVersion StreamExists { get; } = new(StreamExistsValue);

    /// <summary>The stream must be at exactly this version.</summary>
    public static ExpectedVersion Exactly(long version) =>
        version > 0 ? new(version) : throw new ArgumentOutOfRangeException(nameof(version), "An exact version is 1 or more; use NoStream for a new stream.");

    /// <summary>Whether a stream at <paramref name="current"/> (0 when absent) satisfies this expectation.</summary>
    public bool IsSatisfiedBy(long current) => Value switch
    {
        AnyValue => true,
        StreamExistsValue => current > 0,
        _ => current == Value,
    };

    /// <inheritdoc />
    public override string ToString() => Value switch
    {
        AnyValue => "any",
        StreamExistsValue => "stream exists",
        NoStreamValue => "no stream",
        _ => $"version {Value}",
    };
}
