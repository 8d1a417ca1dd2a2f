namespace Governance.Api.Core.Auth;

/// <summary>
/// Roles and what each implies: viewer &lt; contributor &lt; approver; oncall is a contributor for operations;
/// admin can do everything.
/// </summary>
public static class Roles
{
    public const string Viewer = "viewer";
    public const string Contributor = "contributor";
    public const string Approver = "approver";
    public const string OnCall = "oncall";
    public const string Admin = "admin";

    /// <summary>Every role a principal can be given.</summary>
    public static IReadOnlyList<string> All { get; } = [Viewer, Contributor, Approver, OnCall, Admin];

    /// <summary>The roles a granted role implies, itself included.</summary>
    public static IReadOnlySet<string> Expand(IEnumerable<string> granted)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var role in granted)
        {
            result.Add(role);
            switch (role)
            {
                case Admin:
                    result.UnionWith(All);
                    break;
                case Approver:
                case OnCall:
                    result.Add(Contributor);
                    result.Add(Viewer);
                    break;
                case Contributor:
                    result.Add(Viewer);
                    break;
            }
        }

        return result;
    }
}
