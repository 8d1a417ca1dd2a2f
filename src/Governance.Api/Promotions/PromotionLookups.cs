using System.Text.Json;
using Governance.Api.Evaluations;
using Governance.Api.Models;
using Governance.EventLog;
using NodaTime;
using Npgsql;

namespace Governance.Api.Promotions;

/// <summary>A model version as a promotion sees it.</summary>
public sealed record VersionFacts(string Digest, string RegisteredBy, Instant RegisteredAt);

/// <summary>What a promotion request refers to, read before deciding.</summary>
public sealed record RequestFacts(
    Model? Model, VersionFacts? Version, IReadOnlyList<string> DeployedIn, IReadOnlyList<string> MissingEvidence, string? OpenPromotionId);

/// <summary>The reads promotions make before asking a decider: the registry, evaluations, incidents and deployment intervals.</summary>
public sealed class PromotionLookups(NpgsqlDataSource db, IEventStore store)
{
    private static readonly JsonSerializerOptions Json = Governance.EventLog.EventJson.Options;

    /// <summary>The model, the version, where it runs, which evidence is not an evaluation of it, and an open promotion to the same stage.</summary>
    public async Task<RequestFacts> RequestAsync(string model, string version, string targetStage, IReadOnlyList<string> evidence, CancellationToken ct)
    {
        var state = (await store.AggregateStreamAsync<Model>(Model.StreamId(model), ct: ct))?.State;
        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(Command("SELECT digest, registered_by, registered_at FROM governance.model_versions WHERE model = $1 AND version = $2", model, version));
        batch.BatchCommands.Add(Command("SELECT stage FROM governance.current_deployments WHERE model = $1 AND version = $2", model, version));
        batch.BatchCommands.Add(Command(
            "SELECT x.id FROM unnest($3::text[]) AS x(id) WHERE NOT EXISTS " +
            "(SELECT 1 FROM governance.evaluations e WHERE e.id = x.id AND e.model = $1 AND e.version = $2)", model, version, evidence.ToArray()));
        batch.BatchCommands.Add(Command(
            "SELECT id FROM governance.promotions WHERE model = $1 AND version = $2 AND target_stage = $3 AND status IN ('pending', 'approved') LIMIT 1",
            model, version, targetStage));
        await using var reader = await batch.ExecuteReaderAsync(ct);
        VersionFacts? facts = null;
        if (await reader.ReadAsync(ct))
        {
            facts = new VersionFacts(reader.GetString(0), reader.GetString(1), Instant.FromDateTimeUtc(DateTime.SpecifyKind(reader.GetDateTime(2), DateTimeKind.Utc)));
        }

        await reader.NextResultAsync(ct);
        var deployedIn = new List<string>();
        while (await reader.ReadAsync(ct))
        {
            deployedIn.Add(reader.GetString(0));
        }

        await reader.NextResultAsync(ct);
        var missing = new List<string>();
        while (await reader.ReadAsync(ct))
        {
            missing.Add(reader.GetString(0));
        }

        await reader.NextResultAsync(ct);
        var open = await reader.ReadAsync(ct) ? reader.GetString(0) : null;
        return new RequestFacts(state, facts, deployedIn, missing, open);
    }

    /// <summary>The version's artifact digest now, or null when it is not registered.</summary>
    public async Task<string?> DigestAsync(string model, string version, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT digest FROM governance.model_versions WHERE model = $1 AND version = $2");
        cmd.Parameters.Add(new() { Value = model });
        cmd.Parameters.Add(new() { Value = version });
        return await cmd.ExecuteScalarAsync(ct) as string;
    }

    /// <summary>Everything the gates read for moving <paramref name="version"/> from <paramref name="fromStage"/> to <paramref name="targetStage"/>.</summary>
    /// <remarks>Interval bounds and "now" come from the injected clock, so soak time agrees with the log.</remarks>
    public async Task<GateFacts> GatesAsync(
        string model, string version, string fromStage, string targetStage, IReadOnlyList<string> requiredSuites, CancellationToken ct)
    {
        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(Command(
            "SELECT mv.registered_at, m.stages[1] = $3 FROM governance.model_versions mv JOIN governance.models m ON m.key = mv.model " +
            "WHERE mv.model = $1 AND mv.version = $2", model, version, fromStage));
        batch.BatchCommands.Add(Command("SELECT version FROM governance.current_deployments WHERE model = $1 AND stage = $2", model, targetStage));
        batch.BatchCommands.Add(Command("""
            SELECT s.suite,
                   l.id, l.version, l.suite_revision, l.passed, l.metrics::text, l.checks::text,
                   (SELECT es.definition::text FROM governance.evaluation_suites es WHERE es.name = s.suite AND es.revision = l.suite_revision),
                   b.id, b.version, b.suite_revision, b.passed, b.metrics::text, b.checks::text
            FROM unnest($3::text[]) WITH ORDINALITY AS s(suite, n)
            LEFT JOIN LATERAL (
                SELECT e.* FROM governance.evaluations e
                WHERE e.model = $1 AND e.version = $2 AND e.suite = s.suite
                ORDER BY e.recorded_at DESC, e.seq DESC LIMIT 1) l ON true
            LEFT JOIN LATERAL (
                SELECT e.* FROM governance.current_deployments d
                JOIN governance.evaluations e ON e.model = d.model AND e.version = d.version AND e.suite = s.suite AND e.suite_revision = l.suite_revision
                WHERE d.model = $1 AND d.stage = $4
                ORDER BY e.recorded_at DESC, e.seq DESC LIMIT 1) b ON true
            ORDER BY s.n
            """, model, version, requiredSuites.ToArray(), targetStage));
        batch.BatchCommands.Add(Command(
            "SELECT id, severity FROM governance.incidents WHERE model = $1 AND lower(status) NOT IN ('resolved', 'closed') ORDER BY opened_at", model));
        batch.BatchCommands.Add(Command(
            "SELECT \"from\", \"to\" FROM governance.deployment_intervals WHERE model = $1 AND version = $2 AND stage = $3 ORDER BY \"from\"",
            model, version, fromStage));
        await using var reader = await batch.ExecuteReaderAsync(ct);
        var (registeredAt, fromIsFirstStage) = await reader.ReadAsync(ct) ? (ToInstant(reader.GetDateTime(0)), reader.GetBoolean(1)) : (default, false);

        await reader.NextResultAsync(ct);
        var inTarget = await reader.ReadAsync(ct) ? reader.GetString(0) : null;

        await reader.NextResultAsync(ct);
        var suites = new List<SuiteFacts>();
        while (await reader.ReadAsync(ct))
        {
            var latest = ReadEvaluation(reader, 1);
            var definition = reader.IsDBNull(7) ? null : JsonSerializer.Deserialize<EvaluationsProjection.SuiteDefinition>(reader.GetString(7), Json);
            suites.Add(new SuiteFacts(reader.GetString(0), latest, definition?.Metrics ?? [], ReadEvaluation(reader, 8)));
        }

        await reader.NextResultAsync(ct);
        var incidents = new List<OpenIncident>();
        while (await reader.ReadAsync(ct))
        {
            incidents.Add(new OpenIncident(reader.GetString(0), reader.GetString(1)));
        }

        await reader.NextResultAsync(ct);
        var intervals = new List<StageInterval>();
        while (await reader.ReadAsync(ct))
        {
            intervals.Add(new StageInterval(ToInstant(reader.GetDateTime(0)), reader.IsDBNull(1) ? null : ToInstant(reader.GetDateTime(1))));
        }

        return new GateFacts(targetStage, inTarget, suites, incidents, fromStage, fromIsFirstStage, registeredAt, intervals);
    }

    private static GateEvaluation? ReadEvaluation(NpgsqlDataReader reader, int at)
    {
        if (reader.IsDBNull(at))
        {
            return null;
        }

        var metrics = JsonSerializer.Deserialize<Dictionary<string, double>>(reader.GetString(at + 4), Json) ?? [];
        var checks = JsonSerializer.Deserialize<List<EvaluationCheck>>(reader.GetString(at + 5), Json) ?? [];
        return new GateEvaluation(reader.GetString(at), reader.GetString(at + 1), reader.GetInt32(at + 2), reader.GetBoolean(at + 3), metrics,
            [.. checks.Where(c => !c.Passed).Select(c => c.Name)]);
    }

    private static Instant ToInstant(DateTime value) => Instant.FromDateTimeUtc(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    private static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new() { Value = value });
        }

        return command;
    }
}
