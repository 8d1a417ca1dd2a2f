namespace Governance.Api.Core.Errors;

/// <summary>
/// A request body that is refused before it is read as JSON (a YAML document with aliases, too deep, or malformed),
/// with a sentence a person understands; answered as 400 keyed by <c>body</c>.
/// </summary>
public sealed class BodyRefusedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public BodyRefusedException(string reason)
        : base(reason)
    {
    }

    /// <summary>Creates the exception.</summary>
    public BodyRefusedException()
        : this("The body could not be read.")
    {
    }

    /// <summary>Creates the exception.</summary>
    public BodyRefusedException(string reason, Exception inner)
        : base(reason, inner)
    {
    }
}
