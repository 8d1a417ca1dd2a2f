using System.Security.Claims;

namespace Governance.Api.Core.Auth;

/// <summary>The authenticated principal behind a request: the only source of "who" in an event.</summary>
public sealed record Actor(string Name, IReadOnlySet<string> Roles)
{
    /// <summary>Whether the actor holds <paramref name="role"/>, directly or implied.</summary>
    public bool Has(string role) => Roles.Contains(role);

    /// <summary>The actor of an authenticated request.</summary>
    public static Actor From(ClaimsPrincipal user)
    {
        var name = user.Identity?.Name ?? throw new InvalidOperationException("The request is not authenticated.");
        return new Actor(name, Auth.Roles.Expand(user.FindAll(ClaimTypes.Role).Select(c => c.Value)));
    }
}
