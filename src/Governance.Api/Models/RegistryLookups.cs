using Npgsql;

namespace Governance.Api.Models;

/// <summary>Existence checks the endpoints make before asking a decider (deciders do no I/O).</summary>
public sealed class RegistryLookups(NpgsqlDataSource db)
{
    /// <summary>Whether a model is registered.</summary>
    public Task<bool> ModelExistsAsync(string key, CancellationToken ct) =>
        ExistsAsync("SELECT 1 FROM governance.models WHERE key = $1", ct, key);

    /// <summary>Whether a model version is registered.</summary>
    public Task<bool> ModelVersionExistsAsync(string model, string version, CancellationToken ct) =>
        ExistsAsync("SELECT 1 FROM governance.model_versions WHERE model = $1 AND version = $2", ct, model, version);

    /// <summary>Whether a run is recorded in an experiment of this model.</summary>
    public Task<bool> RunExistsAsync(string experimentId, string runId, CancellationToken ct) =>
        ExistsAsync("SELECT 1 FROM governance.runs WHERE experiment_id = $1 AND run_id = $2", ct, experimentId, runId);

    /// <summary>The model an experiment belongs to, or null.</summary>
    public async Task<string?> ExperimentModelAsync(string experimentId, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT model FROM governance.experiments WHERE id = $1");
        cmd.Parameters.Add(new() { Value = experimentId });
        return await cmd.ExecuteScalarAsync(ct) as string;
    }

    /// <summary>Which of the given model@version references exist.</summary>
    public Task<HashSet<string>> ExistingModelVersionsAsync(IEnumerable<string> references, CancellationToken ct) =>
        ExistingReferencesAsync(db, "SELECT model || '@' || version FROM governance.model_versions WHERE model || '@' || version = ANY($1)", references, ct);

    /// <summary>Runs a query that returns which of the given name@version references (bound as $1) exist.</summary>
    internal static async Task<HashSet<string>> ExistingReferencesAsync(NpgsqlDataSource db, string sql, IEnumerable<string> references, CancellationToken ct)
    {
        var refs = references.Distinct(StringComparer.Ordinal).ToArray();
        var found = new HashSet<string>(StringComparer.Ordinal);
        if (refs.Length == 0)
        {
            return found;
        }

        await using var cmd = db.CreateCommand(sql);
        cmd.Parameters.Add(new() { Value = refs });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            found.Add(reader.GetString(0));
        }

        return found;
    }

    private async Task<bool> ExistsAsync(string sql, CancellationToken ct, params object[] values)
    {
        await using var cmd = db.CreateCommand(sql);
        foreach (var value in values)
        {
            cmd.Parameters.Add(new() { Value = value });
        }

        return await cmd.ExecuteScalarAsync(ct) is not null;
    }
}
