using System.Diagnostics;
using Governance.Api.Core.Auth;
using Governance.EventLog;

namespace Governance.Api.Core.Commands;

/// <summary>
/// The metadata of the request being served, for every event a Marten session appends while serving it: the
/// authenticated principal as the actor, correlation and trace ids, the client's user agent and address.
/// </summary>
public sealed class RequestEventMetadata(IHttpContextAccessor accessor) : ICurrentEventMetadata
{
    /// <inheritdoc />
    public EventMetadata? Current =>
        accessor.HttpContext is { User.Identity.IsAuthenticated: true } http
            ? For(http, Actor.From(http.User))
            : null;

    /// <summary>The event metadata for a request: the authenticated actor, correlation and trace ids, client headers.</summary>
    public static EventMetadata For(HttpContext http, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(actor);
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

    private static string? Truncate(string? value) => value is { Length: > 200 } ? value[..200] : value;
}
