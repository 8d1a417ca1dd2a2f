using Governance.Api.Core.Auth;
using Governance.Api.Core.Errors;
using Npgsql;
using Governance.Api.Core.Requests;

namespace Governance.Api.Datasets;

/// <summary>A dataset version as people look at it.</summary>
public sealed record DatasetVersionView(string Name, string Version, string Uri, string Digest, long? Rows, IReadOnlyList<string> Parents,
    DateTime RegisteredAt, string RegisteredBy, bool Flagged, string? FlaggedReason, DateTime? FlaggedAt, string? FlaggedBy);

/// <summary>Where an affected model version runs now.</summary>
public sealed record ImpactDeployment(string Stage, DateTime Since);

/// <summary>A model version trained, directly or through derived data, on a dataset version.</summary>
public sealed record ImpactedVersion(string Model, string Version, IReadOnlyList<ImpactDeployment> Deployments);

/// <summary>The impact of a dataset version.</summary>
public sealed record Impact(string Dataset, IReadOnlyList<ImpactedVersion> ModelVersions);

/// <summary>Reads of dataset versions and their downstream impact.</summary>
public sealed class DatasetQueries(NpgsqlDataSource db)
{
    private const string Columns = "name, version, uri, digest, rows, parents, registered_at, registered_by, flagged_reason, flagged_at, flagged_by";

    /// <summary>Which of the given name@version references exist.</summary>
    public Task<HashSet<string>> ExistingAsync(IEnumerable<string> references, CancellationToken ct) =>
        Models.RegistryLookups.ExistingReferencesAsync(db,
            "SELECT name || '@' || version FROM governance.dataset_versions WHERE name || '@' || version = ANY($1)", references, ct);

    /// <summary>The versions of a dataset, newest first.</summary>
    public async Task<IReadOnlyList<DatasetVersionView>> VersionsAsync(string name, string? version, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            $"SELECT {Columns} FROM governance.dataset_versions WHERE name = $1 AND ($2::text IS NULL OR version = $2) ORDER BY registered_at DESC, version DESC");
        cmd.Parameters.Add(new() { Value = name });
        cmd.Parameters.Add(new() { Value = (object?)version ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        var result = new List<DatasetVersionView>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result.Add(new DatasetVersionView(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetInt64(4), reader.GetFieldValue<string[]>(5),
                Utc(reader.GetDateTime(6)), reader.GetString(7), !reader.IsDBNull(8), reader.IsDBNull(8) ? null : reader.GetString(8),
                reader.IsDBNull(9) ? null : Utc(reader.GetDateTime(9)), reader.IsDBNull(10) ? null : reader.GetString(10)));
        }

        return result;
    }

    /// <summary>
    /// Every model version downstream of the dataset version through training, derivation and runs (not through
    /// evaluations: evaluating on bad data does not make a model bad), with where each is deployed now.
    /// </summary>
    public async Task<Impact> ImpactAsync(string name, string version, CancellationToken ct)
    {
        const string sql = """
            WITH RECURSIVE down(id, depth) AS (
                SELECT $1::text, 0
                UNION
                SELECT e.to_id, d.depth + 1 FROM down d
                JOIN governance.lineage_edges e ON e.from_id = d.id AND e.kind <> 'evaluated_on'
                WHERE d.depth < 100
            ),
            affected AS (
                SELECT DISTINCT mv.model, mv.version FROM down
                JOIN governance.model_versions mv ON down.id = 'model:' || mv.model || '@' || mv.version
            )
            SELECT a.model, a.version, d.stage, d.since
            FROM affected a LEFT JOIN governance.current_deployments d ON d.model = a.model AND d.version = a.version
            ORDER BY a.model, a.version, d.stage;
            """;
        await using var cmd = db.CreateCommand(sql);
        cmd.Parameters.Add(new() { Value = Dataset.NodeId(name, version) });
        var byVersion = new Dictionary<(string, string), List<ImpactDeployment>>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var key = (reader.GetString(0), reader.GetString(1));
            if (!byVersion.TryGetValue(key, out var deployments))
            {
                byVersion[key] = deployments = [];
            }

            if (!reader.IsDBNull(2))
            {
                deployments.Add(new ImpactDeployment(reader.GetString(2), Utc(reader.GetDateTime(3))));
            }
        }

        return new Impact($"{name}@{version}", [.. byVersion.Select(kv => new ImpactedVersion(kv.Key.Item1, kv.Key.Item2, kv.Value))]);
    }

    private static DateTime Utc(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);

    /// <summary>GET /datasets/{name}, GET /datasets/{name}/versions/{version}, GET …/impact.</summary>
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/datasets/{name}", async (string name, DatasetQueries queries, CancellationToken ct) =>
                await queries.VersionsAsync(name, null, ct) is { Count: > 0 } versions
                    ? Results.Ok(versions)
                    : DomainError.NotFound($"No dataset '{name}'.").ToResult())
            .RequireRole(Roles.Viewer).WithTags("Datasets").WithName("ListDatasetVersions").WithStreamETag("name", Dataset.StreamId, answersNotModified: true)
            .WithSummary("The versions of a dataset, newest first.")
            .Produces<IReadOnlyList<DatasetVersionView>>().ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/datasets/{name}/versions/{version}", async (string name, string version, DatasetQueries queries, CancellationToken ct) =>
                await queries.VersionsAsync(name, version, ct) is { Count: > 0 } versions
                    ? Results.Ok(versions[0])
                    : DomainError.NotFound($"No dataset version '{name}@{version}'.").ToResult())
            .RequireRole(Roles.Viewer).WithTags("Datasets").WithName("GetDatasetVersion").WithStreamETag("name", Dataset.StreamId, answersNotModified: true)
            .WithSummary("One dataset version.")
            .Produces<DatasetVersionView>().ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/datasets/{name}/versions/{version}/impact", async (string name, string version, DatasetQueries queries, CancellationToken ct) =>
                await queries.VersionsAsync(name, version, ct) is { Count: > 0 }
                    ? Results.Ok(await queries.ImpactAsync(name, version, ct))
                    : DomainError.NotFound($"No dataset version '{name}@{version}'.").ToResult())
            .RequireRole(Roles.Viewer).WithTags("Datasets").WithName("GetDatasetImpact")
            .WithSummary("Every model version trained on this dataset version or on data derived from it, and where each is deployed.")
            .Produces<Impact>().ProducesProblem(StatusCodes.Status404NotFound);
    }
}
