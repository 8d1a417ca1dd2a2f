using System.Text.Json;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Errors;
using Governance.EventLog;
using Npgsql;
using Governance.Api.Core.Requests;

namespace Governance.Api.Models;

/// <summary>The versions registered (by some instant): how many, and the newest.</summary>
public sealed record RegisteredVersions(long Count, string? Latest, DateTime? LatestAt);

/// <summary>
/// One stage of a model: <see cref="Status"/> is "registered" for the entry stage (it holds the registered versions,
/// summarised in <see cref="Registered"/>, and never a deployment), "deployed" when a version runs in it, else "empty".
/// <see cref="Via"/> says what put the version there, "promotion" or "rollback": after a rollback nobody approved it.
/// </summary>
public sealed record StageDeployment(
    string Stage, string Status, string? Version, DateTime? Since, string? PromotionId, IReadOnlyList<string> ApprovedBy, string? Fallback,
    RegisteredVersions? Registered, string? Via = null)
{
    /// <summary>The status of the entry stage.</summary>
    public const string RegisteredStatus = "registered";

    /// <summary>The entry stage, where every registered version starts.</summary>
    public static StageDeployment Entry(string stage, RegisteredVersions registered) =>
        new(stage, RegisteredStatus, null, null, null, [], null, registered);

    /// <summary>A later stage: what runs in it, if anything.</summary>
    public static StageDeployment Later(
        string stage, string? version, DateTime? since, string? promotionId, IReadOnlyList<string> approvedBy, string? fallback, string? via) =>
        version is null
            ? new(stage, "empty", null, null, null, [], fallback, null)
            : new(stage, "deployed", version, since, promotionId, approvedBy, fallback, null, via);
}

/// <summary>A model as people look at it: what it is, who owns it, what runs where (the entry stage lists what is registered).</summary>
public sealed record ModelView(
    string Key, string Name, string Description, string Team, string TaskType, IReadOnlyList<string> Stages, string EntryStage,
    IReadOnlyList<Kpi> Kpis, DateTime RegisteredAt, string RegisteredBy, bool Retired, IReadOnlyList<StageDeployment> Deployments);

/// <summary>Reads of the models read model, joined with current deployments.</summary>
public sealed class ModelQueries(NpgsqlDataSource db)
{
    private const string Select =
        "SELECT m.key, m.name, m.description, m.team, m.task_type, m.stages, m.kpis::text, m.registered_at, m.registered_by, m.retired_at IS NOT NULL, " +
        "coalesce((SELECT json_agg(json_build_object('stage', d.stage, 'version', d.version, 'since', d.since, 'promotionId', d.promotion_id, " +
        "'approvedBy', d.approved_by, 'fallback', d.fallback, 'via', d.via))::text FROM governance.current_deployments d WHERE d.model = m.key), '[]'), " +
        "r.count, r.latest, r.latest_at " +
        "FROM governance.models m CROSS JOIN LATERAL (" + RegisteredSql + ") r";

    /// <summary>How many versions of m.key are registered, and the newest: a lateral subquery (append a condition on v to ask "by when").</summary>
    internal const string RegisteredSql =
        "SELECT count(*) AS count, (array_agg(v.version ORDER BY v.registered_at DESC, v.version DESC))[1] AS latest, max(v.registered_at) AS latest_at " +
        "FROM governance.model_versions v WHERE v.model = m.key";

    /// <summary>One model, or null.</summary>
    public async Task<ModelView?> GetAsync(string key, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(Select + " WHERE m.key = $1");
        cmd.Parameters.Add(new() { Value = key });
        var found = await ReadAsync(cmd, ct);
        return found.Count == 0 ? null : found[0];
    }

    /// <summary>Every model, optionally of one team.</summary>
    public async Task<IReadOnlyList<ModelView>> ListAsync(string? team, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(Select + " WHERE ($1::text IS NULL OR m.team = $1) ORDER BY m.key");
        cmd.Parameters.Add(new() { Value = (object?)team ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        return await ReadAsync(cmd, ct);
    }

    /// <summary>The stages of a model, or null when it does not exist.</summary>
    public async Task<IReadOnlyList<string>?> StagesAsync(string key, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT stages FROM governance.models WHERE key = $1");
        cmd.Parameters.Add(new() { Value = key });
        return await cmd.ExecuteScalarAsync(ct) as string[];
    }

    private async Task<List<ModelView>> ReadAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var result = new List<ModelView>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var stages = reader.GetFieldValue<string[]>(5);
            var deployed = JsonSerializer.Deserialize<List<DeployedRow>>(reader.GetString(10), EventJson.Options) ?? [];
            var registered = new RegisteredVersions(reader.GetInt64(11), reader.IsDBNull(12) ? null : reader.GetString(12),
                reader.IsDBNull(13) ? null : DateTime.SpecifyKind(reader.GetDateTime(13), DateTimeKind.Utc));
            var perStage = stages.Select((s, i) => i == 0
                ? StageDeployment.Entry(s, registered)
                : deployed.FirstOrDefault(d => d.Stage == s) is { } d
                    ? StageDeployment.Later(s, d.Version, d.Since, d.PromotionId, d.ApprovedBy ?? [], d.Fallback, d.Via)
                    : StageDeployment.Later(s, null, null, null, [], null, null)).ToList();
            result.Add(new ModelView(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), stages, stages[0],
                JsonSerializer.Deserialize<List<Kpi>>(reader.GetString(6), EventJson.Options) ?? [],
                DateTime.SpecifyKind(reader.GetDateTime(7), DateTimeKind.Utc), reader.GetString(8), reader.GetBoolean(9), perStage));
        }

        return result;
    }

    private sealed record DeployedRow(string Stage, string Version, DateTime Since, string? PromotionId, IReadOnlyList<string>? ApprovedBy, string? Fallback, string? Via);

    /// <summary>GET /api/v1/models and GET /api/v1/models/{key}.</summary>
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/models", async (ModelQueries queries, CancellationToken ct, string? team = null) => Results.Ok(await queries.ListAsync(team, ct)))
            .RequireRole(Roles.Viewer)
            .WithTags("Models").WithName("ListModels")
            .WithSummary("Every model with its current deployment per stage; the entry stage (status 'registered') counts the registered versions.")
            .Produces<IReadOnlyList<ModelView>>();

        api.MapGet("/models/{key}", async (string key, ModelQueries queries, CancellationToken ct) =>
                await queries.GetAsync(key, ct) is { } model ? Results.Ok(model) : DomainError.NotFound($"No model '{key}'.").ToResult())
            .RequireRole(Roles.Viewer)
            .WithTags("Models").WithName("GetModel").WithStreamETag("key", Model.StreamId)
            .WithSummary("A model with its current deployment per stage; the entry stage (status 'registered') counts the registered versions.")
            .Produces<ModelView>()
            .ProducesProblem(StatusCodes.Status404NotFound);
    }
}
