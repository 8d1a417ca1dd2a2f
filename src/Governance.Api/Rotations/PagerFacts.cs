using Governance.Api.Core.Auth;
using Governance.Api.Core.Errors;
using Npgsql;

namespace Governance.Api.Rotations;

/// <summary>
/// Which of some names are principals and the roles each holds, read before a rotation decider runs: only a principal
/// holding oncall (admin implies it) can take the pager, because only they can acknowledge, mitigate and roll back.
/// </summary>
public sealed record PagerFacts(IReadOnlyDictionary<string, IReadOnlyList<string>> RolesByPrincipal)
{
    /// <summary>Whether <paramref name="name"/> is a principal holding oncall or admin.</summary>
    public bool CanBePaged(string name) => WhyNot(name) is null;

    /// <summary>Why <paramref name="name"/> cannot be on call, as a person reads it; null when they can.</summary>
    public string? WhyNot(string name) =>
        !RolesByPrincipal.TryGetValue(name, out var roles) ? $"'{name}' is not a principal; create it with the oncall role first."
        : Roles.Expand(roles).Contains(Roles.OnCall) ? null
        : $"'{name}' has the role{(roles.Count == 1 ? "" : "s")} {string.Join(", ", roles)}, not oncall or admin, so could not acknowledge or act on an incident.";

    /// <summary>422 naming every person who cannot be on call, keyed by the field that names them; null when everyone can.</summary>
    public DomainError? Check(IEnumerable<(string Field, string Name)> people)
    {
        var problems = people.Select(p => (p.Field, p.Name, Why: WhyNot(p.Name))).Where(p => p.Why is not null).ToList();
        if (problems.Count == 0)
        {
            return null;
        }

        return new DomainError(StatusCodes.Status422UnprocessableEntity, "Cannot be on call",
            $"Only principals with the oncall or admin role can be on call: {string.Join(" ", problems.Select(p => p.Why).Distinct())}",
            problems.GroupBy(p => p.Field).ToDictionary(g => g.Key, g => g.Select(p => p.Why!).ToArray()));
    }

    /// <summary>The rotation as routing sees it: people who cannot be paged now are passed over (<see cref="Rotation.Pageable"/>).</summary>
    public static async Task<Rotation> PageableAsync(NpgsqlDataSource db, Rotation rotation, CancellationToken ct) =>
        rotation.WithPagerFacts(await ReadAsync(db, rotation.People, ct));

    /// <summary>The principals among <paramref name="names"/> and their granted roles, as they stand now.</summary>
    public static async Task<PagerFacts> ReadAsync(NpgsqlDataSource db, IEnumerable<string> names, CancellationToken ct)
    {
        var wanted = names.Distinct(StringComparer.Ordinal).ToArray();
        var found = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (wanted.Length == 0)
        {
            return new PagerFacts(found);
        }

        await using var cmd = db.CreateCommand("SELECT name, roles FROM governance.principals WHERE name = ANY($1)");
        cmd.Parameters.Add(new() { Value = wanted });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            found[reader.GetString(0)] = reader.GetFieldValue<string[]>(1);
        }

        return new PagerFacts(found);
    }
}
