namespace Governance.Cli.Core;

/// <summary>The exit codes a CI system reads (DESIGN §12): a contract, never renumbered.</summary>
public static class ExitCodes
{
    public const int Done = 0;

    /// <summary>An error: the service could not be reached, answered 404 or 400, a file could not be read, a hash chain is broken.</summary>
    public const int Error = 1;

    /// <summary>The command line itself is wrong: unknown command or option, missing or malformed value. Nothing was sent.</summary>
    public const int Usage = 2;

    /// <summary>Refused by a rule: a failed evaluation, a gate that blocks (422), a rejection or withdrawal, a state conflict (409).</summary>
    public const int Refused = 3;

    /// <summary>Not authenticated or not allowed (401, 403).</summary>
    public const int NotAllowed = 4;

    /// <summary>Still pending when <c>--wait</c> timed out.</summary>
    public const int StillPending = 8;

    /// <summary>The exit code for an HTTP error status the service answered.</summary>
    public static int ForStatus(int status) => status switch
    {
        401 or 403 => NotAllowed,

        // A state conflict ("not pending", "already registered") and a rule that blocks are both the service saying no.
        409 or 412 or 422 => Refused,
        _ => Error,
    };
}
