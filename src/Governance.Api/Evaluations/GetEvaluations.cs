using System.Text.Json;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Errors;
using NodaTime;
using Npgsql;
using NpgsqlTypes;
using Governance.Api.Core.Requests;

namespace Governance.Api.Evaluations;

/// <summary>GET /evaluations/{id} and GET /evaluations?model=&amp;version=&amp;suite= (newest first).</summary>
public static class GetEvaluations
{
    private static readonly JsonSerializerOptions Json = Governance.EventLog.EventJson.Options;

    private const int DefaultLimit = 100;
    private const int MaxLimit = 1000;

    /// <summary>An evaluation with the verdict it was given when recorded.</summary>
    public sealed record EvaluationView(
        string Id, string Model, string Version, string Suite, int SuiteRevision, string Stage, bool Passed,
        IReadOnlyList<EvaluationCheck> Checks,
        IReadOnlyDictionary<string, double> Metrics,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> Slices,
        IReadOnlyDictionary<string, double> ProductMetrics,
        IReadOnlyList<string> Datasets,
        string? BaselineVersion, string? BaselineEvaluationId,
        Instant RecordedAt, string RecordedBy);

    private const string Columns = """
        id, model, version, suite, suite_revision, stage, passed, checks::text, metrics::text, slices::text, product_metrics::text,
        datasets, baseline_version, baseline_evaluation_id, recorded_at, recorded_by
        """;

    /// <summary>Maps the endpoints.</summary>
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/evaluations/{id}", async (string id, NpgsqlDataSource db, CancellationToken ct) =>
            {
                await using var cmd = db.CreateCommand($"SELECT {Columns} FROM governance.evaluations WHERE id = $1");
                cmd.Parameters.Add(new() { Value = id });
                var found = await ReadAsync(cmd, ct);
                return found.Count == 1 ? Results.Ok(found[0]) : DomainError.NotFound($"No evaluation '{id}'.").ToResult();
            })
            .RequireRole(Roles.Viewer)
            .WithTags("Evaluations").WithName("GetEvaluation").WithStreamETag("id", Evaluation.StreamId, answersNotModified: true)
            .WithSummary("An evaluation with its metrics, slices, datasets and the verdict computed when it was recorded.")
            .Produces<EvaluationView>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/evaluations", async (NpgsqlDataSource db, CancellationToken ct,
                string? model = null, string? version = null, string? suite = null, int? limit = null) =>
            {
                if (limit is < 1 or > MaxLimit)
                {
                    return Results.ValidationProblem(
                        new Dictionary<string, string[]> { ["limit"] = [$"'limit' is between 1 and {MaxLimit}."] }, title: "Invalid query");
                }

                await using var cmd = db.CreateCommand($"""
                    SELECT {Columns} FROM governance.evaluations
                    WHERE ($1::text IS NULL OR model = $1) AND ($2::text IS NULL OR version = $2) AND ($3::text IS NULL OR suite = $3)
                    ORDER BY recorded_at DESC, seq DESC
                    LIMIT $4
                    """);
                cmd.Parameters.Add(Text(model));
                cmd.Parameters.Add(Text(version));
                cmd.Parameters.Add(Text(suite));
                cmd.Parameters.Add(new() { Value = limit ?? DefaultLimit });
                return Results.Ok(await ReadAsync(cmd, ct));
            })
            .RequireRole(Roles.Viewer)
            .WithTags("Evaluations").WithName("ListEvaluations")
            .WithSummary("Evaluations, newest first, filtered by model, version and suite.")
            .Produces<IReadOnlyList<EvaluationView>>()
            .ProducesValidationProblem();
    }

    private static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    private static async Task<List<EvaluationView>> ReadAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var evaluations = new List<EvaluationView>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            evaluations.Add(new EvaluationView(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4), reader.GetString(5),
                reader.GetBoolean(6),
                JsonSerializer.Deserialize<List<EvaluationCheck>>(reader.GetString(7), Json)!,
                JsonSerializer.Deserialize<Dictionary<string, double>>(reader.GetString(8), Json)!,
                JsonSerializer.Deserialize<Dictionary<string, IReadOnlyDictionary<string, double>>>(reader.GetString(9), Json)!,
                JsonSerializer.Deserialize<Dictionary<string, double>>(reader.GetString(10), Json)!,
                reader.GetFieldValue<string[]>(11),
                reader.IsDBNull(12) ? null : reader.GetString(12),
                reader.IsDBNull(13) ? null : reader.GetString(13),
                Instant.FromDateTimeUtc(DateTime.SpecifyKind(reader.GetDateTime(14), DateTimeKind.Utc)),
                reader.GetString(15)));
        }

        return evaluations;
    }
}
