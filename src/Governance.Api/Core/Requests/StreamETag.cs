using Governance.EventLog;
using Microsoft.Net.Http.Headers;

namespace Governance.Api.Core.Requests;

/// <summary>
/// What a GET of a stream-backed resource says about its stream in the OpenAPI document: an <c>ETag</c> on 200, and
/// whether it answers 304 to <c>If-None-Match</c>.
/// </summary>
public sealed record StreamETagMetadata(bool AnswersNotModified);

/// <summary>
/// <c>ETag</c> on a GET of a resource backed by one event stream: the stream's version, quoted (<c>"3"</c>), as the
/// writes of that stream put it in their <c>ETag</c> and take it back in <c>If-Match</c>. The version is read before the
/// handler reads the resource, so it is never newer than the body: a write that lands in between makes an If-Match with
/// it fail (412) instead of letting a client overwrite what it has not seen.
/// </summary>
public static class StreamETag
{
    /// <summary>
    /// Sends the version of the stream <paramref name="streamId"/> names as <c>ETag</c> on a 200. With
    /// <paramref name="answersNotModified"/> (only for a body made from that stream alone, so the same version means the
    /// same body), a 200 whose version an <c>If-None-Match</c> names answers 304 instead.
    /// </summary>
    public static RouteHandlerBuilder WithStreamETag(this RouteHandlerBuilder builder, Func<HttpContext, string> streamId, bool answersNotModified = false) =>
        builder.AddEndpointFilter(async (context, next) =>
            {
                var http = context.HttpContext;
                var store = http.RequestServices.GetRequiredService<IEventStore>();
                var stream = streamId(http);
                var version = await store.GetStreamVersionAsync(stream, http.RequestAborted);
                var result = await next(context);
                if (result is not IStatusCodeHttpResult { StatusCode: StatusCodes.Status200OK })
                {
                    return result;
                }

                // Only a 200 is made conditional (RFC 9110 §13.2.1), and only when nothing was appended while the body was
                // read: then the body is the one the client holds.
                if (answersNotModified && Matches(http.Request.Headers.IfNoneMatch, version)
                    && await store.GetStreamVersionAsync(stream, http.RequestAborted) == version)
                {
                    http.Response.Headers.ETag = Format(version);
                    return Results.StatusCode(StatusCodes.Status304NotModified);
                }

                // A handler that folded the stream itself knows the exact version its body shows; that one stands.
                if (!http.Response.Headers.ContainsKey(HeaderNames.ETag))
                {
                    http.Response.Headers.ETag = Format(version);
                }

                return result;
            })
            .WithMetadata(new StreamETagMetadata(answersNotModified));

    /// <summary>The stream named by one route value.</summary>
    public static RouteHandlerBuilder WithStreamETag(this RouteHandlerBuilder builder, string routeValue, Func<string, string> streamId, bool answersNotModified = false) =>
        builder.WithStreamETag(http => streamId(Route(http, routeValue)), answersNotModified);

    /// <summary>The stream named by two route values.</summary>
    public static RouteHandlerBuilder WithStreamETag(this RouteHandlerBuilder builder, string first, string second, Func<string, string, string> streamId,
        bool answersNotModified = false) =>
        builder.WithStreamETag(http => streamId(Route(http, first), Route(http, second)), answersNotModified);

    /// <summary>The header value for a stream version.</summary>
    public static string Format(long version) => $"\"{version}\"";

    private static string Route(HttpContext http, string name) => http.Request.RouteValues[name]?.ToString() ?? "";

    // Weak comparison (RFC 9110 §13.1.2): W/"3" matches "3"; * matches any current representation.
    private static bool Matches(Microsoft.Extensions.Primitives.StringValues header, long version)
    {
        foreach (var value in header)
        {
            foreach (var raw in (value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var tag = raw.StartsWith("W/", StringComparison.Ordinal) ? raw[2..] : raw;
                if (tag == "*" || tag == Format(version))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
