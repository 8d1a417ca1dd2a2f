using Governance.Api.Core.Auth;
using Npgsql;

namespace Governance.Api.Principals;

/// <summary>Who a principal is and what they may do; never the key.</summary>
public sealed record PrincipalView(string Name, IReadOnlyList<string> Roles, IReadOnlyList<string> EffectiveRoles, DateTime CreatedAt, string CreatedBy)
{
    /// <summary>GET /principals/me (anyone) and GET /principals/{name} (admin).</summary>
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/principals/me", async (HttpContext http, NpgsqlDataSource db, CancellationToken ct) =>
                await FindAsync(db, Actor.From(http.User).Name, ct) is { } me ? Results.Ok(me) : Results.NotFound())
            .WithName("GetCurrentPrincipal")
            .WithSummary("The principal behind the API key used.")
            .Produces<PrincipalView>();

        api.MapGet("/principals/{name}", async (string name, NpgsqlDataSource db, CancellationToken ct) =>
                await FindAsync(db, name, ct) is { } found
                    ? Results.Ok(found)
                    : Results.Problem(statusCode: 404, title: "Not found", detail: $"No principal named '{name}'."))
            .RequireRole(Core.Auth.Roles.Admin)
            .WithName("GetPrincipal")
            .WithSummary("A principal by name (admin).")
            .Produces<PrincipalView>()
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<PrincipalView?> FindAsync(NpgsqlDataSource db, string name, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT name, roles, created_at, created_by FROM governance.principals WHERE name = $1");
        cmd.Parameters.Add(new() { Value = name });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }

        var roles = reader.GetFieldValue<string[]>(1);
        return new PrincipalView(reader.GetString(0), roles, [.. Core.Auth.Roles.Expand(roles).Order(StringComparer.Ordinal)], reader.GetDateTime(2), reader.GetString(3));
    }
}
