using Governance.Api.Core.Auth;
using Governance.Api.Core.Errors;
using Governance.Api.Models;
using NodaTime;
using Governance.Api.Core.Time;
using Npgsql;
using Governance.Api.Core.Requests;

namespace Governance.Api.Deployments;

/// <summary>What ran in every stage of a model at one instant; the entry stage says what was registered by then.</summary>
public sealed record DeploymentsAt(string Model, Instant At, string EntryStage, IReadOnlyList<StageDeployment> Stages);

/// <summary>
/// One version's time as the current one of a stage: [from, to), to null while it still runs. <paramref name="Via"/> is what
/// put it there ("promotion", or "rollback": then no promotion and no approvers); <paramref name="RolledBack"/> whether a
/// rollback ended it.
/// </summary>
public sealed record DeploymentInterval(
    string Version, DateTime From, DateTime? To, string? PromotionId, bool RolledBack, IReadOnlyList<string> ApprovedBy, string? Fallback,
    string? RollbackReason, string? IncidentId, string Via);

/// <summary>Deployment history, answered from the interval table (never by replaying events).</summary>
public sealed class DeploymentQueries(NpgsqlDataSource db)
{
    /// <summary>What ran in each stage at <paramref name="at"/>; null when the model does not exist.</summary>
    public async Task<DeploymentsAt?> AtAsync(string model, Instant at, CancellationToken ct)
    {
        // One index probe per stage: the latest interval that started at or before T, kept only if it had not ended by T.
        await using var cmd = db.CreateCommand($"""
            SELECT s.stage, i.version, i."from", i.promotion_id, i.approved_by, i.fallback, r.count, r.latest, r.latest_at, i.via
            FROM governance.models m
            CROSS JOIN LATERAL ({ModelQueries.RegisteredSql} AND v.registered_at <= $2) r
            CROSS JOIN LATERAL unnest(m.stages) WITH ORDINALITY AS s(stage, n)
            LEFT JOIN LATERAL (
                SELECT d.version, d."from", d."to", d.promotion_id, d.approved_by, d.fallback, d.via
                FROM governance.deployment_intervals d
                WHERE d.model = m.key AND d.stage = s.stage AND d."from" <= $2
                ORDER BY d."from" DESC, d.id DESC
                LIMIT 1) i ON i."to" IS NULL OR i."to" > $2
            WHERE m.key = $1
            ORDER BY s.n
            """);
        cmd.Parameters.Add(new() { Value = model });
        cmd.Parameters.Add(new() { Value = at.ToDateTimeUtc() });
        var stages = new List<StageDeployment>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            // Nothing is ever deployed to the entry stage (it is never a promotion target): it holds what was registered by then.
            stages.Add(stages.Count == 0
                ? StageDeployment.Entry(reader.GetString(0), new RegisteredVersions(
                    reader.GetInt64(6), reader.IsDBNull(7) ? null : reader.GetString(7), reader.IsDBNull(8) ? null : Utc(reader.GetDateTime(8))))
                : reader.IsDBNull(1)
                    ? StageDeployment.Later(reader.GetString(0), null, null, null, [], null, null)
                    : StageDeployment.Later(reader.GetString(0), reader.GetString(1), Utc(reader.GetDateTime(2)), reader.IsDBNull(3) ? null : reader.GetString(3),
                        reader.GetFieldValue<string[]>(4), reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetString(9)));
        }

        return stages.Count == 0 ? null : new DeploymentsAt(model, at, stages[0].Stage, stages);
    }

    /// <summary>Every interval of a stage, oldest first.</summary>
    public async Task<IReadOnlyList<DeploymentInterval>> HistoryAsync(string model, string stage, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            SELECT version, "from", "to", promotion_id, rolled_back, approved_by, fallback, rollback_reason, incident_id, via
            FROM governance.deployment_intervals WHERE model = $1 AND stage = $2 ORDER BY "from", id
            """);
        cmd.Parameters.Add(new() { Value = model });
        cmd.Parameters.Add(new() { Value = stage });
        var result = new List<DeploymentInterval>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result.Add(new DeploymentInterval(reader.GetString(0), Utc(reader.GetDateTime(1)), reader.IsDBNull(2) ? null : Utc(reader.GetDateTime(2)),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetBoolean(4), reader.GetFieldValue<string[]>(5),
                reader.IsDBNull(6) ? null : reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7), reader.IsDBNull(8) ? null : reader.GetString(8),
                reader.GetString(9)));
        }

        return result;
    }

    /// <summary>404 when the model or its stage does not exist, else null.</summary>
    public static async Task<DomainError?> StageErrorAsync(ModelQueries models, string model, string stage, CancellationToken ct) =>
        await models.StagesAsync(model, ct) switch
        {
            null => DomainError.NotFound($"No model '{model}'."),
            var stages when !stages.Contains(stage) => DomainError.NotFound($"Model '{model}' has no stage '{stage}'; its stages are {string.Join(", ", stages)}."),
            _ => null,
        };

    private static DateTime Utc(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);

    /// <summary>GET /models/{key}/deployments?at= and GET /models/{key}/stages/{stage}/history.</summary>
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/models/{key}/deployments", async (string key, DeploymentQueries queries, IClock clock, CancellationToken ct, QueryInstant? at = null) =>
                await queries.AtAsync(key, at?.Value ?? clock.GetCurrentInstant(), ct) is { } deployments
                    ? Results.Ok(deployments)
                    : DomainError.NotFound($"No model '{key}'.").ToResult())
            .RequireRole(Roles.Viewer)
            .WithTags("Deployments").WithName("GetDeployments")
            .WithSummary("What ran in each stage of a model now, or at any past instant (at=), with what put it there (promotion or rollback), who approved it and its fallback; the entry stage (status 'registered') counts the versions registered by then.")
            .Produces<DeploymentsAt>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/models/{key}/stages/{stage}/history", async (string key, string stage, DeploymentQueries queries, ModelQueries models, CancellationToken ct) =>
                await StageErrorAsync(models, key, stage, ct) is { } missing
                    ? missing.ToResult()
                    : Results.Ok(await queries.HistoryAsync(key, stage, ct)))
            .RequireRole(Roles.Viewer)
            .WithTags("Deployments").WithName("GetStageHistory").WithStreamETag("key", "stage", Deployment.StreamId)
            .WithSummary("Every version that ran in a stage, oldest first, as intervals [from, to) with what put it there (promotion or rollback) and whether a rollback ended it.")
            .Produces<IReadOnlyList<DeploymentInterval>>()
            .ProducesProblem(StatusCodes.Status404NotFound);
    }
}
