namespace Governance.EventLog.Embedded;

/// <summary>The embedded PostgreSQL server could not be created, started or stopped.</summary>
public class EmbeddedPostgresException : Exception
{
    public EmbeddedPostgresException()
    {
    }

    public EmbeddedPostgresException(string message)
        : base(message)
    {
    }

    public EmbeddedPostgresException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>No PostgreSQL server binaries were found on this machine.</summary>
public sealed class EmbeddedPostgresUnavailableException : EmbeddedPostgresException
{
    internal const string DefaultMessage =
        "PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or under /usr/lib/postgresql/*/bin; "
        + "install them with `apt-get install postgresql`, or point the service at an existing server "
        + "with the `ConnectionStrings__Governance` setting.";

    public EmbeddedPostgresUnavailableException()
        : base(DefaultMessage)
    {
    }

    public EmbeddedPostgresUnavailableException(string message)
        : base(message)
    {
    }

    public EmbeddedPostgresUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Another live process owns the data directory (and the PostgreSQL server in it); nothing was touched.</summary>
public sealed class EmbeddedPostgresInUseException : EmbeddedPostgresException
{
    public EmbeddedPostgresInUseException()
    {
    }

    public EmbeddedPostgresInUseException(string message)
        : base(message)
    {
    }

    public EmbeddedPostgresInUseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal EmbeddedPostgresInUseException(string dataDirectory, string owner)
        : base(
            $"The data directory {dataDirectory} is in use by {owner}. Stop that process, or give this one another folder "
            + "with Governance__DataDirectory=<path> (or an existing PostgreSQL server with ConnectionStrings__Governance).")
    {
        DataDirectory = dataDirectory;
    }

    /// <summary>The folder that is in use.</summary>
    public string? DataDirectory { get; }
}
