using Governance.Api.Core.Auth;
using Governance.Api.Core.Errors;
using Governance.EventLog;
using NodaTime;
using Npgsql;
using NpgsqlTypes;
using Governance.Api.Core.Requests;

namespace Governance.Api.Incidents;

/// <summary>GET /incidents (filtered list) and GET /incidents/{id} (the folded stream).</summary>
public static class GetIncidents
{
    /// <summary>An incident in a list.</summary>
    public sealed record IncidentSummary(string Id, string Model, string? Team, string Severity, string Status, string Title, string? Assignee,
        Instant OpenedAt, Instant? AckDeadline, Instant? AcknowledgedAt, Instant? EscalatedAt, Instant? ResolvedAt);

    /// <summary>Maps the endpoints.</summary>
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/incidents/{id}", async (string id, IEventStore store, CancellationToken ct) =>
                await store.AggregateStreamAsync<Incident>(Incident.StreamId(id), ct: ct) is { } found
                    ? Results.Ok(IncidentView.From(found.State))
                    : DomainError.NotFound($"No incident '{id}'.").ToResult())
            .RequireRole(Roles.Viewer).WithTags("Incidents").WithName("GetIncident").WithStreamETag("id", Incident.StreamId, answersNotModified: true)
            .WithSummary("An incident with its status, assignee and postmortem.")
            .Produces<IncidentView>().ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/incidents", async (NpgsqlDataSource db, CancellationToken ct, string? status = null, string? team = null, string? model = null, string? severity = null) =>
            {
                if (status is not null && status is not ("open" or "acknowledged" or "mitigated" or "resolved"))
                {
                    return DomainError.Invalid("status", "'status' is open, acknowledged, mitigated or resolved.").ToResult();
                }

                if (severity is not null && OperationsText.ParseSeverity(severity) is null)
                {
                    return DomainError.Invalid("severity", "'severity' is SEV1, SEV2, SEV3 or SEV4.").ToResult();
                }

                await using var cmd = db.CreateCommand(
                    "SELECT id, model, team, severity, status, title, assignee, opened_at, ack_deadline, acknowledged_at, escalated_at, resolved_at " +
                    "FROM governance.incidents WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR team = $2) AND ($3::text IS NULL OR model = $3) " +
                    "AND ($4::text IS NULL OR severity = $4) ORDER BY opened_at DESC LIMIT 500");
                foreach (var value in new[] { status, team, model, severity?.ToUpperInvariant() })
                {
                    cmd.Parameters.Add(new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
                }

                var list = new List<IncidentSummary>();
                await using var reader = await cmd.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    list.Add(new IncidentSummary(reader.GetString(0), reader.GetString(1), Text(reader, 2), reader.GetString(3), reader.GetString(4),
                        reader.GetString(5), Text(reader, 6), At(reader, 7)!.Value, At(reader, 8), At(reader, 9), At(reader, 10), At(reader, 11)));
                }

                return Results.Ok(list);
            })
            .RequireRole(Roles.Viewer).WithTags("Incidents").WithName("ListIncidents")
            .WithSummary("Incidents, newest first, by status, team, model and severity.")
            .Produces<IReadOnlyList<IncidentSummary>>();
    }

    /// <summary>A nullable text column.</summary>
    public static string? Text(NpgsqlDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetString(i);

    /// <summary>A nullable timestamptz column as an instant.</summary>
    public static Instant? At(NpgsqlDataReader reader, int i) =>
        reader.IsDBNull(i) ? null : Instant.FromDateTimeUtc(DateTime.SpecifyKind(reader.GetDateTime(i), DateTimeKind.Utc));
}
