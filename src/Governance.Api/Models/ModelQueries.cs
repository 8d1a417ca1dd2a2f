using System.Text.Json;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Errors;
using Governance.EventStore.Serialization;
using Npgsql;

namespace Governance.Api.Models;

/// <summary>
/// What is deployed in one stage right now (empty version when nothing is). <paramref name="Via"/> says what put it there,
/// "promotion" or "rollback"; after a rollback there is no promotion and nobody approved it.
/// </summary>
public sealed record StageDeployment(
    string Stage, string? Version, DateTime? Since, string? PromotionId, IReadOnlyList<string> ApprovedBy, string? Fallback, string? Via = null);

/// <summary>A model as people look at it: what it is, who owns it, what runs where.</summary>
public sealed record ModelView(
    string Key, string Name, string Description, string Team, string TaskType, IReadOnlyList<string> Stages,
    IReadOnlyList<Kpi> Kpis, DateTime RegisteredAt, string RegisteredBy, bool Retired, IReadOnlyList<StageDeployment> Deployments);

/// <summary>Reads of the models read model, joined with current deployments.</summary>
public sealed class ModelQueries(NpgsqlDataSource db, EventSerializer serializer)
{
    private const string Select =
        "SELECT m.key, m.name, m.description, m.team, m.task_type, m.stages, m.kpis::text, m.registered_at, m.registered_by, m.retired_at IS NOT NULL, " +
        "coalesce((SELECT json_agg(json_build_object('stage', d.stage, 'version', d.version, 'since', d.since, 'promotionId', d.promotion_id, " +
        "'approvedBy', d.approved_by, 'fallback', d.fallback, 'via', d.via))::text FROM governance.current_deployments d WHERE d.model = m.key), '[]') " +
        "FROM governance.models m";

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
            var deployed = JsonSerializer.Deserialize<List<StageDeployment>>(reader.GetString(10), serializer.Options) ?? [];
            var perStage = stages.Select(s => deployed.FirstOrDefault(d => d.Stage == s) ?? new StageDeployment(s, null, null, null, [], null)).ToList();
            result.Add(new ModelView(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), stages,
                JsonSerializer.Deserialize<List<Kpi>>(reader.GetString(6), serializer.Options) ?? [],
                DateTime.SpecifyKind(reader.GetDateTime(7), DateTimeKind.Utc), reader.GetString(8), reader.GetBoolean(9), perStage));
        }

        return result;
    }

    /// <summary>GET /api/v1/models and GET /api/v1/models/{key}.</summary>
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/models", async (ModelQueries queries, CancellationToken ct, string? team = null) => Results.Ok(await queries.ListAsync(team, ct)))
            .RequireRole(Roles.Viewer)
            .WithTags("Models").WithName("ListModels")
            .WithSummary("Every model with its current deployment per stage.")
            .Produces<IReadOnlyList<ModelView>>();

        api.MapGet("/models/{key}", async (string key, ModelQueries queries, CancellationToken ct) =>
                await queries.GetAsync(key, ct) is { } model ? Results.Ok(model) : DomainError.NotFound($"No model '{key}'.").ToResult())
            .RequireRole(Roles.Viewer)
            .WithTags("Models").WithName("GetModel")
            .WithSummary("A model with its current deployment per stage.")
            .Produces<ModelView>()
            .ProducesProblem(StatusCodes.Status404NotFound);
    }
}
