using Governance.Api.Core.Auth;
using Governance.Api.Incidents;
using NodaTime;
using Npgsql;

namespace Governance.Api.Teams;

/// <summary>GET /teams/{team}/queue: the team's unresolved incidents and unacknowledged alerts, worst and oldest first.</summary>
public static class GetQueue
{
    /// <summary>One thing waiting for the team.</summary>
    public sealed record QueueItem(string Kind, string Id, string Model, string Severity, string Title, string Status, Instant OpenedAt,
        Duration Age, Instant? AckDeadline, bool Overdue, string? Assignee);

    /// <summary>The queue.</summary>
    public sealed record Queue(string Team, Instant At, IReadOnlyList<QueueItem> Items);

    /// <summary>Maps the endpoint.</summary>
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapGet("/teams/{team}/queue", async (string team, NpgsqlDataSource db, IClock clock, CancellationToken ct) =>
            {
                var now = clock.GetCurrentInstant();
                await using var cmd = db.CreateCommand(
                    "SELECT kind, id, model, severity, title, status, opened_at, ack_deadline, acknowledged, assignee FROM governance.queue_items " +
                    "WHERE team = $1 ORDER BY severity, opened_at, id LIMIT 1000");
                cmd.Parameters.Add(new() { Value = team });
                var items = new List<QueueItem>();
                await using var reader = await cmd.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    var opened = GetIncidents.At(reader, 6)!.Value;
                    var deadline = GetIncidents.At(reader, 7);
                    var acknowledged = reader.GetBoolean(8);
                    items.Add(new QueueItem(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                        reader.GetString(5), opened, now - opened, deadline, !acknowledged && deadline is { } d && now > d, GetIncidents.Text(reader, 9)));
                }

                return Results.Ok(new Queue(team, now, items));
            })
            .RequireRole(Roles.Viewer).WithTags("Teams").WithName("GetQueue")
            .WithSummary("The team's on-call queue: open incidents and unacknowledged alerts, by severity then age.")
            .Produces<Queue>();
}
