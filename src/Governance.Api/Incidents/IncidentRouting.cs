using Governance.Api.Rotations;
using Governance.EventLog;
using Npgsql;

namespace Governance.Api.Incidents;

/// <summary>What routing needs to know before a decider runs: the model's team and that team's rotation.</summary>
public sealed record IncidentRoute(bool ModelExists, string? Team, Rotation? Rotation);

/// <summary>
/// Finds the owning team of a model (governance.models.team) and folds its rotation, passing over people who can no
/// longer be paged (their oncall role was taken away).
/// </summary>
public sealed class IncidentRouting(NpgsqlDataSource db, IEventStore store)
{
    /// <summary>The route for incidents on <paramref name="model"/>.</summary>
    public async Task<IncidentRoute> RouteAsync(string model, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT team FROM governance.models WHERE key = $1");
        cmd.Parameters.Add(new() { Value = model });
        if (await cmd.ExecuteScalarAsync(ct) is not string team)
        {
            return new IncidentRoute(false, null, null);
        }

        return new IncidentRoute(true, team, await RotationAsync(team, ct));
    }

    /// <summary>The rotation of a team, or null.</summary>
    public async Task<Rotation?> RotationAsync(string? team, CancellationToken ct) =>
        team is null || await store.AggregateStreamAsync<Rotation>(Rotation.StreamId(team), ct: ct) is not { } rotation
            ? null
            : await PagerFacts.PageableAsync(db, rotation.State, ct);
}
