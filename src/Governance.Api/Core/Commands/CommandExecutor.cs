using System.Diagnostics;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Telemetry;
using Governance.EventLog;
using Microsoft.Net.Http.Headers;
using NodaTime;

namespace Governance.Api.Core.Commands;

/// <summary>The outcome of a command: the events appended and the stream's new version, or the refusal.</summary>
public record CommandOutcome(DomainError? Error, AppendResult? Appended, long Version)
{
    /// <summary>Whether events were appended.</summary>
    public bool Succeeded => Error is null;
}

/// <summary>
/// The outcome with the stream's state as the command left it (the state it was decided on, with the appended events
/// folded in), so an endpoint can answer without reading the stream again; null while the stream does not exist.
/// </summary>
public sealed record CommandOutcome<TState>(DomainError? Error, AppendResult? Appended, long Version, TState? State)
    : CommandOutcome(Error, Appended, Version);

/// <summary>
/// Runs a command against one stream: fold the stream, honour If-Match, ask the pure decider, append with
/// the version it saw, and put the new version in ETag. A lost race is retried with fresh state unless the
/// client pinned a version.
/// </summary>
public sealed class CommandExecutor(IEventStore store, IClock clock)
{
    /// <summary>How often a lost race is retried unless the command asks for more.</summary>
    public const int DefaultAttempts = 3;

    /// <summary>Decides and appends.</summary>
    public async Task<CommandOutcome<TState>> ExecuteAsync<TState>(
        HttpContext http, string command, string streamId, string streamType,
        Func<TState?, Instant, Actor, Decision> decide, CancellationToken ct, int attempts = DefaultAttempts, bool freshStream = false)
        where TState : class, IStreamState<TState>
    {
        using var activity = GovernanceTelemetry.ActivitySource.StartActivity(command);
        activity?.SetTag("governance.command", command);
        activity?.SetTag("governance.stream.id", streamId);
        var actor = Actor.From(http.User);
        var pinned = ParseIfMatch(http);
        if (pinned is { Error: { } badHeader })
        {
            return new CommandOutcome<TState>(badHeader, null, 0, null);
        }

        for (var attempt = 1; ; attempt++)
        {
            // A stream whose id the server just generated cannot exist yet: skip the read (the append still
            // expects "no stream", so a collision would surface as a conflict and be retried with a read).
            var aggregate = freshStream && attempt == 1 ? null : await store.AggregateStreamAsync<TState>(streamId, ct: ct);
            var version = aggregate?.Version ?? 0;
            if (pinned?.Version is { } expectedVersion && expectedVersion != version)
            {
                return new CommandOutcome<TState>(DomainError.PreconditionFailed(
                    $"If-Match expected version {expectedVersion} of '{streamId}', but it is at version {version}."), null, version, aggregate?.State);
            }

            var decision = decide(aggregate?.State, clock.GetCurrentInstant(), actor);
            if (!decision.Accepted)
            {
                activity?.SetTag("governance.outcome", "rejected");
                return new CommandOutcome<TState>(decision.Error, null, version, aggregate?.State);
            }

            if (decision.Events.Count == 0)
            {
                // Nothing changed (an idempotent repeat): no event, and the stream stays where it was.
                activity?.SetTag("governance.outcome", "unchanged");
                http.Response.Headers.ETag = $"\"{version}\"";
                return new CommandOutcome<TState>(null, null, version, aggregate?.State);
            }

            activity?.SetTag("governance.event.types", string.Join(",", decision.Events.Select(e => e.GetType().Name)));
            try
            {
                // A stream the server just named goes through group commit: under load, concurrent new streams share one
                // transaction instead of each paying for its own.
                var expected = version == 0 ? ExpectedVersion.NoStream : ExpectedVersion.Exactly(version);
                var appended = freshStream && attempt == 1
                    ? await store.StartStreamAsync(streamId, streamType, decision.Events, Metadata(http, actor), ct)
                    : await store.AppendAsync(streamId, streamType, expected, decision.Events, Metadata(http, actor), ct);
                var newVersion = appended.VersionOf(streamId);
                http.Response.Headers.ETag = $"\"{newVersion}\"";
                GovernanceTelemetry.Commands.Add(1, new KeyValuePair<string, object?>("command", command));
                var after = appended.Events.Where(e => e.StreamId == streamId).Aggregate(aggregate?.State ?? TState.Initial, (state, e) => state.Evolve(e));
                return new CommandOutcome<TState>(null, appended, newVersion, after);
            }
            catch (ConcurrencyException) when (pinned is null && attempt < attempts)
            {
                // Someone else wrote first; decide again on what they wrote. Under heavy contention (many approvers of
                // one promotion at once) a short random pause keeps the losers from colliding again in lockstep.
                if (attempt >= DefaultAttempts)
                {
                    await Task.Delay(Random.Shared.Next(1, Math.Min(20, attempt) + 1), ct);
                }
            }
            catch (ConcurrencyException ex) when (pinned is not null)
            {
                return new CommandOutcome<TState>(DomainError.PreconditionFailed(ex.Message), null, version, aggregate?.State);
            }
        }
    }

    /// <summary>The event metadata for a request: the authenticated actor, correlation and trace ids, client headers.</summary>
    public static EventMetadata Metadata(HttpContext http, Actor actor)
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        if (http.Request.Headers.UserAgent.ToString() is { Length: > 0 } agent)
        {
            headers["userAgent"] = Truncate(agent)!;
        }

        if (http.Connection.RemoteIpAddress is { } ip)
        {
            headers["remoteIp"] = ip.ToString();
        }

        string? correlation = http.Request.Headers["X-Correlation-Id"];
        string? causation = http.Request.Headers["X-Causation-Id"];
        return new EventMetadata(
            actor.Name,
            Truncate(correlation) ?? Activity.Current?.TraceId.ToString() ?? http.TraceIdentifier,
            Truncate(causation),
            Activity.Current?.TraceId.ToString(),
            headers.Count == 0 ? null : headers);
    }

    private static (long? Version, DomainError? Error)? ParseIfMatch(HttpContext http)
    {
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
        return long.TryParse(text, out var version) && version >= 0
            ? (version, null)
            : (null, DomainError.Invalid(HeaderNames.IfMatch, "If-Match must be a stream version as returned in ETag, e.g. \"3\"."));
    }

    private static string? Truncate(string? value) => value is { Length: > 200 } ? value[..200] : value;
}
