using System.Text.Json;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Errors;
using Governance.EventLog;
using NodaTime;
using Npgsql;
using Governance.Api.Core.Requests;

namespace Governance.Api.ModelVersions;

/// <summary>GET /models/{key}/versions/{v}: the version, its lineage summary and the stages it is deployed in.</summary>
public static class GetModelVersion
{
    /// <summary>Where the version came from, in one glance.</summary>
    public sealed record LineageSummary(IReadOnlyList<string> TrainingDatasets, IReadOnlyList<string> Parents, string? Experiment, string? Run,
        IReadOnlyList<string> EvaluatedOn, IReadOnlyList<string> Children);

    /// <summary>A stage the version is deployed in now.</summary>
    public sealed record DeployedStage(string Stage, DateTime Since);

    /// <summary>The version as people read it.</summary>
    public sealed record ModelVersionView(
        string Model, string Version, string ArtifactUri, string Digest, string CodeCommit, IReadOnlyDictionary<string, JsonElement> Config,
        string RegisteredBy, Instant RegisteredAt, bool Deprecated, string? DeprecatedReason, IReadOnlyList<Guardrail> Guardrails,
        LineageSummary Lineage, IReadOnlyList<DeployedStage> Stages);

    /// <summary>A line of the versions list.</summary>
    public sealed record VersionListItem(string Version, string Digest, string RegisteredBy, DateTime RegisteredAt, bool Deprecated);

    /// <summary>Maps the endpoints.</summary>
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/models/{key}/versions/{version}", async (string key, string version, HttpContext http, IEventStore store, NpgsqlDataSource db, CancellationToken ct) =>
            {
                var found = await store.AggregateStreamAsync<ModelVersion>(ModelVersion.StreamId(key, version), ct: ct);
                if (found is null)
                {
                    return DomainError.NotFound($"No model version '{key}@{version}'.").ToResult();
                }

                var v = found.State;
                var node = ModelVersion.NodeId(key, version);
                var evaluatedOn = await StringsAsync(db, "SELECT from_id FROM governance.lineage_edges WHERE to_id = $1 AND kind = 'evaluated_on' ORDER BY 1", node, ct);
                var children = await StringsAsync(db, "SELECT to_id FROM governance.lineage_edges WHERE from_id = $1 AND kind = 'derived_from' ORDER BY 1", node, ct);
                var stages = new List<DeployedStage>();
                await using (var cmd = db.CreateCommand("SELECT stage, since FROM governance.current_deployments WHERE model = $1 AND version = $2 ORDER BY since"))
                {
                    cmd.Parameters.Add(new() { Value = key });
                    cmd.Parameters.Add(new() { Value = version });
                    await using var reader = await cmd.ExecuteReaderAsync(ct);
                    while (await reader.ReadAsync(ct))
                    {
                        stages.Add(new DeployedStage(reader.GetString(0), DateTime.SpecifyKind(reader.GetDateTime(1), DateTimeKind.Utc)));
                    }
                }

                http.Response.Headers.ETag = $"\"{found.Version}\"";
                return Results.Ok(new ModelVersionView(v.Model, v.Version, v.ArtifactUri, v.Digest, v.CodeCommit, v.Config, v.RegisteredBy, v.RegisteredAt,
                    v.DeprecatedReason is not null, v.DeprecatedReason, v.Guardrails,
                    new LineageSummary(v.TrainingDatasets, v.Parents, v.ExperimentId, v.RunId,
                        [.. evaluatedOn.Select(e => e["dataset:".Length..])], [.. children.Select(c => c["model:".Length..])]),
                    stages));
            })
            .RequireRole(Roles.Viewer).WithTags("Model versions").WithName("GetModelVersion").WithStreamETag("key", "version", ModelVersion.StreamId)
            .WithSummary("A model version with its lineage summary and the stages it is deployed in.")
            .Produces<ModelVersionView>().ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/models/{key}/versions", async (string key, NpgsqlDataSource db, CancellationToken ct) =>
            {
                await using var cmd = db.CreateCommand(
                    "SELECT version, digest, registered_by, registered_at, deprecated_at IS NOT NULL FROM governance.model_versions WHERE model = $1 ORDER BY registered_at DESC");
                cmd.Parameters.Add(new() { Value = key });
                var list = new List<VersionListItem>();
                await using var reader = await cmd.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    list.Add(new VersionListItem(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                        DateTime.SpecifyKind(reader.GetDateTime(3), DateTimeKind.Utc), reader.GetBoolean(4)));
                }

                return Results.Ok(list);
            })
            .RequireRole(Roles.Viewer).WithTags("Model versions").WithName("ListModelVersions")
            .WithSummary("A model's versions, newest first.")
            .Produces<IReadOnlyList<VersionListItem>>();
    }

    private static async Task<List<string>> StringsAsync(NpgsqlDataSource db, string sql, string value, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(sql);
        cmd.Parameters.Add(new() { Value = value });
        var result = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result.Add(reader.GetString(0));
        }

        return result;
    }
}
