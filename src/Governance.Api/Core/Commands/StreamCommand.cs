using Governance.Api.Core.Auth;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Telemetry;
using Governance.EventLog;
using Governance.EventLog.Streams;
using JasperFx.Events;
using Microsoft.Net.Http.Headers;
using NodaTime;
using Wolverine.Marten;

namespace Governance.Api.Core.Commands;

/// <summary>
/// The part every stream command shares once Wolverine has loaded the stream and its <c>Validate</c> step
/// (<see cref="StreamRules"/>) has let the command through: ask the pure decider and hand Wolverine the events to
/// append. The answer is written after Wolverine commits, with the stream's new version in <c>ETag</c>.
/// </summary>
public static class StreamCommand
{
    /// <summary>
    /// Appends what the pure decider returns once the slice's <c>Validate</c> step (<see cref="StreamRules.Check{T}"/>)
    /// has let the command through; <paramref name="answer"/> builds the success response from the state after.
    /// </summary>
    public static (IResult, Events) Decide<T>(
        HttpContext http, IEventStream<Folded<T>> stream, IClock clock, string command,
        Func<T?, Instant, Actor, IReadOnlyList<object>> decide, Func<T?, IResult> answer)
        where T : class, IStreamState<T>
    {
        ArgumentNullException.ThrowIfNull(answer);
        return Decide(http, stream, clock, command, decide, (after, _) => answer(after));
    }

    /// <summary>As above, for answers that carry the stream's version after the command (the one also sent in <c>ETag</c>).</summary>
    public static (IResult, Events) Decide<T>(
        HttpContext http, IEventStream<Folded<T>> stream, IClock clock, string command,
        Func<T?, Instant, Actor, IReadOnlyList<object>> decide, Func<T?, long, IResult> answer)
        where T : class, IStreamState<T>
    {
        ArgumentNullException.ThrowIfNull(answer);
        var decided = Run(http, stream, clock, command, decide);
        return (new Versioned(answer(decided.After, decided.Version), decided.Version), [.. decided.Events]);
    }

    /// <summary>
    /// Decides on the loaded stream without answering yet, for commands that do more after deciding (an approval
    /// that deploys): the events with the state and version they lead to. The rules ran before, in <c>Validate</c>.
    /// </summary>
    public static Accepted<T> Run<T>(
        HttpContext http, IEventStream<Folded<T>> stream, IClock clock, string command, Func<T?, Instant, Actor, IReadOnlyList<object>> decide)
        where T : class, IStreamState<T>
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(decide);
        using var activity = GovernanceTelemetry.ActivitySource.StartActivity(command);
        activity?.SetTag("governance.command", command);
        activity?.SetTag("governance.stream.id", stream.Key);
        var version = stream.StartingVersion ?? 0;
        var state = stream.Aggregate?.State;
        var events = decide(state, clock.GetCurrentInstant(), Actor.From(http.User));

        // Nothing changed (an idempotent repeat) appends nothing, and the stream stays where it was.
        if (events.Count == 0)
        {
            activity?.SetTag("governance.outcome", "unchanged");
            return new Accepted<T>([], state, version);
        }

        activity?.SetTag("governance.event.types", string.Join(",", events.Select(e => e.GetType().Name)));
        GovernanceTelemetry.Commands.Add(1, new KeyValuePair<string, object?>("command", command));
        return new Accepted<T>(events, Fold(stream.Key ?? "", state, events), version + events.Count);
    }

    /// <summary>The state after <paramref name="events"/>, before they are stored.</summary>
    public static T Fold<T>(string streamId, T? state, IEnumerable<object> events) where T : class, IStreamState<T>
    {
        ArgumentNullException.ThrowIfNull(events);
        return events.Aggregate(state ?? T.Initial, (s, e) => s.Evolve(Unstored(streamId, e)));
    }

    // The state after the decision, for the answer: folded from the events before they are stored.
    private static StoredEvent Unstored(string streamId, object data) =>
        new(0, 0, Guid.Empty, streamId, "", 0, "", data, new EventMetadata(""), default, []);
}

/// <summary>What an accepted command appends, with the state and version after it.</summary>
public sealed record Accepted<T>(IReadOnlyList<object> Events, T? After, long Version);

/// <summary>If-Match on a command: the stream version the client last saw, as returned in ETag.</summary>
public static class IfMatch
{
    /// <summary>412 when the header names another version than <paramref name="current"/>; 400 when it is not a version.</summary>
    public static DomainError? Check(HttpContext http, string streamId, long current)
    {
        ArgumentNullException.ThrowIfNull(http);
        var raw = http.Request.Headers.IfMatch.ToString();
        if (string.IsNullOrWhiteSpace(raw) || raw.Trim() == "*")
        {
            return null;
        }

        var text = raw.Trim();
        if (text.StartsWith("W/", StringComparison.Ordinal))
        {
            text = text[2..];
        }

        text = text.Trim('"');
        if (!long.TryParse(text, out var expected) || expected < 0)
        {
            return DomainError.Invalid(HeaderNames.IfMatch, "If-Match must be a stream version as returned in ETag, e.g. \"3\".");
        }

        return expected == current
            ? null
            : DomainError.PreconditionFailed($"If-Match expected version {expected} of '{streamId}', but it is at version {current}.");
    }
}

/// <summary>A response with the stream version it answers for in <c>ETag</c>.</summary>
public sealed class Versioned(IResult inner, long version) : IResult
{
    /// <inheritdoc />
    public Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        httpContext.Response.Headers.ETag = $"\"{version}\"";
        return inner.ExecuteAsync(httpContext);
    }
}
