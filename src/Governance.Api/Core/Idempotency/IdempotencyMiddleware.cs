using System.Diagnostics;
using System.Security.Cryptography;
using Governance.Api.Core.Auth;
using Microsoft.AspNetCore.Http.Features;

namespace Governance.Api.Core.Idempotency;

/// <summary>Endpoint metadata: the answer shows a secret once (a new API key), so a replay cannot repeat it.</summary>
public sealed class ShowsSecretOnceMetadata;

/// <summary>
/// Makes POST commands under /api/v1 safe to retry with <c>Idempotency-Key</c> (docs/security.md): the first request
/// under a key runs, and its successful answer is what every retry with the same request gets for 24 hours, without
/// running again; a different request under the same key is 422. Runs after authorization: keys belong to a principal.
/// </summary>
public sealed class IdempotencyMiddleware(RequestDelegate next, IdempotencyStore store, ILogger<IdempotencyMiddleware> logger)
{
    /// <summary>The request header.</summary>
    public const string HeaderName = "Idempotency-Key";

    /// <summary>The response header marking an answer that was replayed, not produced again.</summary>
    public const string ReplayedHeader = "Idempotent-Replayed";

    /// <summary>The longest key accepted.</summary>
    public const int MaxKeyLength = 255;

    /// <summary>How long a retry waits for the first request under its key to finish before answering 409.</summary>
    public static readonly TimeSpan WaitForFirst = TimeSpan.FromSeconds(5);

    /// <summary>Handles a request.</summary>
    public async Task InvokeAsync(HttpContext http)
    {
        if (!HttpMethods.IsPost(http.Request.Method) || !http.Request.Path.StartsWithSegments("/api/v1", StringComparison.Ordinal)
            || http.GetEndpoint() is null || !http.Request.Headers.TryGetValue(HeaderName, out var values)
            || http.User.Identity?.IsAuthenticated != true)
        {
            await next(http);
            return;
        }

        if (values.Count != 1 || !IsWellFormed(values[0]))
        {
            await Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid Idempotency-Key",
                detail: $"Idempotency-Key is one value of 1 to {MaxKeyLength} printable ASCII characters, such as a UUID.",
                extensions: new Dictionary<string, object?>
                {
                    ["errors"] = new Dictionary<string, string[]> { [HeaderName] = [$"Send one value of 1 to {MaxKeyLength} printable ASCII characters."] },
                }).ExecuteAsync(http);
            return;
        }

        var request = new IdempotentRequest(Actor.From(http.User).Name, values[0]!, http.Request.Method,
            http.Request.Path.Value + http.Request.QueryString.Value, await HashBodyAsync(http));
        var ct = http.RequestAborted;
        var waited = Stopwatch.StartNew();
        while (true)
        {
            if (await store.TryClaimAsync(request, ct) is { } claim)
            {
                await RunAsync(http, request, claim);
                return;
            }

            var remembered = await store.FindAsync(request.Principal, request.Key, ct);
            if (remembered is null && waited.Elapsed <= WaitForFirst)
            {
                // The holder let it go (or it expired) a moment ago: claim it again, without spinning on the database.
                await Task.Delay(5, ct);
                continue;
            }

            if (remembered is null)
            {
                await InProgressAsync(http);
                return;
            }

            if (remembered.Method != request.Method || remembered.Path != request.Path || !remembered.BodyHash.AsSpan().SequenceEqual(request.BodyHash))
            {
                var what = remembered.Method != request.Method || remembered.Path != request.Path
                    ? $"{remembered.Method} {remembered.Path}"
                    : "a different body";
                await Results.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "Idempotency-Key reused",
                    detail: $"This Idempotency-Key was used with a different request ({what}) in the last 24 hours; send a new key for a new request.")
                    .ExecuteAsync(http);
                return;
            }

            if (remembered.Completed)
            {
                await ReplayAsync(http, remembered);
                return;
            }

            if (waited.Elapsed > WaitForFirst)
            {
                await InProgressAsync(http);
                return;
            }

            await Task.Delay(25, ct);
        }
    }

    private static async Task InProgressAsync(HttpContext http)
    {
        http.Response.Headers.RetryAfter = "1";
        await Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Request in progress",
            detail: "A request with this Idempotency-Key is still in progress; retry in a moment to get its answer.").ExecuteAsync(http);
    }

    /// <summary>1 to 255 printable ASCII characters (space to tilde).</summary>
    public static bool IsWellFormed(string? key) =>
        key is { Length: > 0 and <= MaxKeyLength } && key.All(c => c is >= ' ' and <= '~');

    // Raw bytes, no normalisation: a retry sends the bytes it sent before, and JSON that merely looks equal is not
    // guaranteed to mean the same to every endpoint.
    private static async Task<byte[]> HashBodyAsync(HttpContext http)
    {
        http.Request.EnableBuffering();
        var hash = await SHA256.HashDataAsync(http.Request.Body, http.RequestAborted);
        http.Request.Body.Position = 0;
        return hash;
    }

    private async Task RunAsync(HttpContext http, IdempotentRequest request, Guid claim)
    {
        var bodyFeature = http.Features.Get<IHttpResponseBodyFeature>()!;
        await using var buffer = new MemoryStream();
        http.Features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(buffer, bodyFeature));
        try
        {
            await next(http);
        }
        catch
        {
            await store.ReleaseAsync(request, claim, CancellationToken.None);
            throw;
        }
        finally
        {
            http.Features.Set(bodyFeature);
        }

        var status = http.Response.StatusCode;
        if (status is >= 200 and < 300)
        {
            // Kept before the answer leaves, so a retry that follows it always finds it.
            await store.CompleteAsync(request, claim, status, http.Response.ContentType, http.Response.Headers.Location.ToString() is { Length: > 0 } location ? location : null,
                http.Response.Headers.ETag.ToString() is { Length: > 0 } etag ? etag : null, buffer.ToArray(),
                http.GetEndpoint()?.Metadata.GetMetadata<ShowsSecretOnceMetadata>() is not null, CancellationToken.None);
        }
        else
        {
            // Nothing was appended for a refusal, so running the request again is safe, and may succeed once things change.
            await store.ReleaseAsync(request, claim, CancellationToken.None);
        }

        buffer.Position = 0;
        await buffer.CopyToAsync(bodyFeature.Stream, http.RequestAborted);
    }

    private async Task ReplayAsync(HttpContext http, RememberedAnswer answer)
    {
        if (answer.Location is { } location)
        {
            http.Response.Headers.Location = location;
        }

        http.Response.Headers[ReplayedHeader] = "true";
        if (answer.Secret)
        {
            logger.LogInformation("Idempotency-Key replay of an answer that showed a secret on {Path}", answer.Path);
            await Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Already done",
                detail: $"The request with this Idempotency-Key already succeeded ({answer.Status}). Its answer showed a secret once, " +
                        "and secrets are not kept, so it cannot be shown again; see Location, revoke that key if it was lost, and issue another.")
                .ExecuteAsync(http);
            return;
        }

        http.Response.StatusCode = answer.Status;
        if (answer.ContentType is { } contentType)
        {
            http.Response.ContentType = contentType;
        }

        if (answer.ETag is { } etag)
        {
            http.Response.Headers.ETag = etag;
        }

        if (answer.Body is { Length: > 0 } body)
        {
            await http.Response.Body.WriteAsync(body, http.RequestAborted);
        }
    }
}
