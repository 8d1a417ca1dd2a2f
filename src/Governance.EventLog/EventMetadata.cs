using Marten;

namespace Governance.EventLog;

/// <summary>Who caused an event and how it connects to other work. The actor is always the authenticated principal.</summary>
public sealed record EventMetadata(
    string Actor,
    string? CorrelationId = null,
    string? CausationId = null,
    string? TraceId = null,
    IReadOnlyDictionary<string, string>? Headers = null)
{
    /// <summary>The header that carries the OpenTelemetry trace id of the request that appended the event.</summary>
    public const string TraceIdHeader = "traceId";

    /// <summary>Metadata for work the system does on its own (daemons, timers).</summary>
    public static EventMetadata System(string component) => new($"system:{component}");
}

/// <summary>Putting <see cref="EventMetadata"/> on a Marten session, so every event it appends carries it.</summary>
public static class SessionMetadataExtensions
{
    /// <summary>
    /// The actor goes to <c>user_name</c>, correlation and causation to their columns, the trace id and client
    /// headers (user agent, remote address) to <c>headers</c>.
    /// </summary>
    public static IDocumentSession WithMetadata(this IDocumentSession session, EventMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(metadata);
        session.LastModifiedBy = metadata.Actor;
        session.CorrelationId = metadata.CorrelationId;
        session.CausationId = metadata.CausationId;
        if (metadata.TraceId is not null)
        {
            session.SetHeader(EventMetadata.TraceIdHeader, metadata.TraceId);
        }

        foreach (var (key, value) in metadata.Headers ?? new Dictionary<string, string>())
        {
            session.SetHeader(key, value);
        }

        return session;
    }
}
