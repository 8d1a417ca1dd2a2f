using System.Text.Json;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Errors;
using NodaTime;
using Npgsql;
using NpgsqlTypes;
using Governance.Api.Core.Requests;

namespace Governance.Api.Evaluations;

/// <summary>GET /evaluation-suites (each suite at its current revision) and GET /evaluation-suites/{name}?revision=.</summary>
public static class GetSuites
{
    private static readonly JsonSerializerOptions Json = Governance.EventLog.EventJson.Options;

    /// <summary>A suite at one revision, with the revision that is current and what made this one.</summary>
    public sealed record SuiteView(
        string Name, int Revision, int LatestRevision, string Description, IReadOnlyList<SuiteMetric> Metrics, IReadOnlyList<SuiteSlice> Slices,
        string Change, Instant ChangedAt, string ChangedBy, string? IncidentId);

    private const string Columns = """
        s.name, s.revision, (SELECT max(l.revision) FROM governance.evaluation_suites l WHERE l.name = s.name),
        s.description, s.definition::text, s.change, s.changed_at, s.changed_by, s.incident_id
        """;

    /// <summary>Maps the endpoints.</summary>
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/evaluation-suites", async (NpgsqlDataSource db, CancellationToken ct) =>
            {
                await using var cmd = db.CreateCommand($"""
                    SELECT DISTINCT ON (s.name) {Columns}
                    FROM governance.evaluation_suites s
                    ORDER BY s.name, s.revision DESC
                    """);
                return Results.Ok(await ReadAsync(cmd, ct));
            })
            .RequireRole(Roles.Viewer)
            .WithTags("Evaluations").WithName("ListEvaluationSuites")
            .WithSummary("Every evaluation suite at its current revision, by name.")
            .Produces<IReadOnlyList<SuiteView>>();

        api.MapGet("/evaluation-suites/{name}", async (string name, NpgsqlDataSource db, CancellationToken ct, int? revision = null) =>
            {
                if (revision is < 1)
                {
                    return Results.ValidationProblem(
                        new Dictionary<string, string[]> { ["revision"] = ["A revision is 1 or more; leave it out for the current one."] },
                        title: "Invalid query");
                }

                await using var cmd = db.CreateCommand($"""
                    SELECT {Columns}
                    FROM governance.evaluation_suites s
                    WHERE s.name = $1 AND ($2::int IS NULL OR s.revision = $2)
                    ORDER BY s.revision DESC
                    LIMIT 1
                    """);
                cmd.Parameters.Add(new() { Value = name });
                cmd.Parameters.Add(new() { Value = (object?)revision ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
                var found = await ReadAsync(cmd, ct);
                if (found.Count == 1)
                {
                    return Results.Ok(found[0]);
                }

                return revision is null
                    ? DomainError.NotFound($"No evaluation suite named '{name}'.").ToResult()
                    : DomainError.NotFound($"Evaluation suite '{name}' has no revision {revision}.").ToResult();
            })
            .RequireRole(Roles.Viewer)
            .WithTags("Evaluations").WithName("GetEvaluationSuite").WithStreamETag("name", Suite.StreamId, answersNotModified: true)
            .WithSummary("An evaluation suite at its current revision, or at the one named by ?revision=.")
            .Produces<SuiteView>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<List<SuiteView>> ReadAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var suites = new List<SuiteView>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var definition = JsonSerializer.Deserialize<EvaluationsProjection.SuiteDefinition>(reader.GetString(4), Json)!;
            suites.Add(new SuiteView(
                reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetString(3), definition.Metrics, definition.Slices,
                reader.GetString(5), Instant.FromDateTimeUtc(DateTime.SpecifyKind(reader.GetDateTime(6), DateTimeKind.Utc)), reader.GetString(7),
                reader.IsDBNull(8) ? null : reader.GetString(8)));
        }

        return suites;
    }
}
