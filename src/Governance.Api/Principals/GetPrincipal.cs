using Governance.Api.Core.Auth;
using Npgsql;
using Governance.Api.Core.Requests;

namespace Governance.Api.Principals;

/// <summary>One key of a principal as shown to people: its id and history, never the key or its hash.</summary>
public sealed record KeyView(string KeyId, DateTime IssuedAt, string IssuedBy, DateTime? RevokedAt, string? RevokedBy, bool? Current);

/// <summary>Who a principal is, what they may do and which keys they hold; never a key.</summary>
public sealed record PrincipalView(string Name, IReadOnlyList<string> Roles, IReadOnlyList<string> EffectiveRoles, DateTime CreatedAt, string CreatedBy, IReadOnlyList<KeyView> Keys)
{
    /// <summary>GET /principals/me (anyone) and GET /principals/{name} (admin).</summary>
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/principals/me", async (HttpContext http, NpgsqlDataSource db, CancellationToken ct) =>
                await FindAsync(db, Actor.From(http.User).Name, http.User.FindFirst(KeyHolder.KeyIdClaim)?.Value, ct) is { } me ? Results.Ok(me) : Results.NotFound())
            .WithName("GetCurrentPrincipal").WithStreamETag(http => Principal.StreamId(Actor.From(http.User).Name))
            .WithSummary("The principal behind the API key used, with its keys (the one used is marked current).")
            .Produces<PrincipalView>();

        api.MapGet("/principals/{name}", async (string name, HttpContext http, NpgsqlDataSource db, CancellationToken ct) =>
                await FindAsync(db, name, http.User.FindFirst(KeyHolder.KeyIdClaim)?.Value, ct) is { } found
                    ? Results.Ok(found)
                    : Results.Problem(statusCode: 404, title: "Not found", detail: $"No principal named '{name}'."))
            .RequireRole(Core.Auth.Roles.Admin)
            .WithName("GetPrincipal").WithStreamETag("name", Principal.StreamId)
            .WithSummary("A principal by name, with its keys (admin).")
            .Produces<PrincipalView>()
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<PrincipalView?> FindAsync(NpgsqlDataSource db, string name, string? currentKeyId, CancellationToken ct)
    {
        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT name, roles, created_at, created_by FROM governance.principals WHERE name = $1") { Parameters = { new() { Value = name } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "SELECT key_id, issued_at, issued_by, revoked_at, revoked_by FROM governance.principal_keys WHERE principal = $1 ORDER BY issued_at, key_id")
        { Parameters = { new() { Value = name } } });
        await using var reader = await batch.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }

        var roles = reader.GetFieldValue<string[]>(1);
        var (createdAt, createdBy) = (reader.GetDateTime(2), reader.GetString(3));
        await reader.NextResultAsync(ct);
        var keys = new List<KeyView>();
        while (await reader.ReadAsync(ct))
        {
            var keyId = reader.GetString(0);
            keys.Add(new KeyView(keyId, reader.GetDateTime(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetDateTime(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                keyId == currentKeyId ? true : null));
        }

        return new PrincipalView(name, roles, [.. Core.Auth.Roles.Expand(roles).Order(StringComparer.Ordinal)], createdAt, createdBy, keys);
    }
}
