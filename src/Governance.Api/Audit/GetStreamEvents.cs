using Governance.Api.Core.Auth;
using Npgsql;

namespace Governance.Api.Audit;

/// <summary>GET /streams/{streamId}/events: one stream, raw, oldest first; ETag is its version.</summary>
public static class GetStreamEvents
{
    /// <summary>The stream and its events.</summary>
    public sealed record StreamEvents(string StreamId, int Version, IReadOnlyList<AuditEvent> Events);

    /// <summary>Maps the endpoint.</summary>
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapGet("/streams/{streamId}/events", async (string streamId, HttpContext http, NpgsqlDataSource db, CancellationToken ct) =>
            {
                if (streamId.Length > 300)
                {
                    return Results.Problem(statusCode: 404, title: "Not found", detail: "No such stream.");
                }

                await using var cmd = db.CreateCommand(
                    $"SELECT {AuditEvent.Columns} FROM governance.events WHERE stream_id = $1 ORDER BY version");
                cmd.Parameters.Add(new() { Value = streamId });
                var events = await AuditEvent.ReadAsync(cmd, ct);
                if (events.Count == 0)
                {
                    return Results.Problem(statusCode: 404, title: "Not found", detail: $"No stream '{streamId}'.");
                }

                http.Response.Headers.ETag = $"\"{events[^1].Version}\"";
                return Results.Ok(new StreamEvents(streamId, events[^1].Version, events));
            })
            .RequireRole(Roles.Viewer)
            .WithName("GetStreamEvents")
            .WithSummary("The raw events of one stream.")
            .Produces<StreamEvents>()
            .ProducesProblem(StatusCodes.Status404NotFound);
}
