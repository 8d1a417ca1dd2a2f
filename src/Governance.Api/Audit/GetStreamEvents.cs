using Governance.Api.Core.Auth;
using Governance.Api.Core.Errors;
using Npgsql;
using Governance.Api.Core.Requests;

namespace Governance.Api.Audit;

/// <summary>
/// GET /streams/{streamId}/events: one stream, raw, oldest first; ETag is its version. fromVersion and toVersion
/// (inclusive) narrow it to some events: the generated documents link each fact to its event that way.
/// </summary>
public static class GetStreamEvents
{
    /// <summary>The stream, its version, and its events (those asked for).</summary>
    public sealed record StreamEvents(string StreamId, int Version, IReadOnlyList<AuditEvent> Events);

    /// <summary>The stream's events from <paramref name="fromVersion"/> to <paramref name="toVersion"/> (all when null); null when there is no such stream.</summary>
    public static async Task<StreamEvents?> LoadAsync(NpgsqlDataSource db, string streamId, int? fromVersion, int? toVersion, CancellationToken ct)
    {
        await using var head = db.CreateCommand("SELECT max(version) FROM governance.log_events WHERE stream_id = $1");
        head.Parameters.Add(new() { Value = streamId });
        if (await head.ExecuteScalarAsync(ct) is not int version)
        {
            return null;
        }

        await using var cmd = db.CreateCommand(
            $"SELECT {AuditEvent.Columns} FROM governance.log_events WHERE stream_id = $1 AND version BETWEEN $2 AND $3 ORDER BY version");
        cmd.Parameters.Add(new() { Value = streamId });
        cmd.Parameters.Add(new() { Value = fromVersion ?? 1 });
        cmd.Parameters.Add(new() { Value = toVersion ?? int.MaxValue });
        return new StreamEvents(streamId, version, await AuditEvent.ReadAsync(cmd, ct));
    }

    /// <summary>400 for a range a stream cannot have, else null.</summary>
    public static DomainError? RangeError(int? fromVersion, int? toVersion)
    {
        var errors = new Dictionary<string, string[]>();
        if (fromVersion is < 1)
        {
            errors["fromVersion"] = ["'fromVersion' is a stream version, 1 or more."];
        }

        if (toVersion is < 1)
        {
            errors["toVersion"] = ["'toVersion' is a stream version, 1 or more."];
        }
        else if (toVersion < fromVersion)
        {
            errors["toVersion"] = ["'toVersion' is at least 'fromVersion'."];
        }

        return errors.Count == 0
            ? null
            : new DomainError(StatusCodes.Status400BadRequest, "Invalid request", string.Join(" ", errors.Values.SelectMany(e => e)), errors);
    }

    /// <summary>Maps the endpoint.</summary>
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapGet("/streams/{streamId}/events", async (string streamId, HttpContext http, NpgsqlDataSource db, CancellationToken ct,
                int? fromVersion = null, int? toVersion = null) =>
            {
                if (streamId.Length > 300)
                {
                    return Results.Problem(statusCode: 404, title: "Not found", detail: "No such stream.");
                }

                if (RangeError(fromVersion, toVersion) is { } invalid)
                {
                    return invalid.ToResult();
                }

                if (await LoadAsync(db, streamId, fromVersion, toVersion, ct) is not { } stream)
                {
                    return Results.Problem(statusCode: 404, title: "Not found", detail: $"No stream '{streamId}'.");
                }

                http.Response.Headers.ETag = $"\"{stream.Version}\"";
                return Results.Ok(stream);
            })
            .RequireRole(Roles.Viewer)
            .WithName("GetStreamEvents").WithStreamETag("streamId", streamId => streamId)
            .WithSummary("The raw events of one stream, or of versions fromVersion to toVersion of it (inclusive).")
            .Produces<StreamEvents>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
}
