namespace Governance.EventLog.Embedded;

/// <summary>Where and how to run an <see cref="EmbeddedPostgres"/> cluster.</summary>
public sealed record EmbeddedPostgresOptions
{
    /// <summary>
    /// Folder owned by the embedded server. The cluster lives in <c>pg</c> under it; the password,
    /// log and connection files sit next to it (<c>pg.password</c>, <c>pg.log</c>, <c>connection</c>).
    /// </summary>
    public required string DataDirectory { get; init; }

    /// <summary>Delete the whole <see cref="DataDirectory"/> when the server stops (tests).</summary>
    public bool Ephemeral { get; init; }

    /// <summary>TCP port on 127.0.0.1; a free one is picked when null.</summary>
    public int? Port { get; init; }
}
