namespace Governance.Cli.Core;

/// <summary>A command cannot go on: the sentence to print on stderr and the exit code to leave with.</summary>
public sealed class CliException : Exception
{
    public CliException(int exitCode, string message)
        : base(message) => ExitCode = exitCode;

    public CliException()
    {
    }

    public CliException(string message)
        : base(message)
    {
    }

    public CliException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The process exit code (see <see cref="ExitCodes"/>).</summary>
    public int ExitCode { get; } = ExitCodes.Error;

    /// <summary>Worth trying again later: the service could not be reached, did not answer in time, or answered 5xx, 408 or 429.</summary>
    public bool Transient { get; init; }
}
