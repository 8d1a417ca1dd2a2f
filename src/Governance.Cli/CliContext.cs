using System.Collections;

namespace Governance.Cli;

/// <summary>Where one run of <c>gov</c> writes, what environment it reads, and (in tests) how it reaches the service.</summary>
public sealed record CliContext(TextWriter Out, TextWriter Err, IReadOnlyDictionary<string, string?> Environment)
{
    /// <summary>Where <c>.governance/admin.key</c> is looked for (then in each parent folder).</summary>
    public string WorkingDirectory { get; init; } = Directory.GetCurrentDirectory();

    /// <summary>Sends the requests instead of sockets (an in-process test server); null for the network.</summary>
    public HttpMessageHandler? Handler { get; init; }

    /// <summary>How often <c>gov promote --wait</c> asks the service.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The process's own console and environment.</summary>
    public static CliContext FromProcess()
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
        {
            environment[(string)entry.Key] = entry.Value as string;
        }

        return new CliContext(Console.Out, Console.Error, environment);
    }

    /// <summary>An environment variable, null when unset or empty.</summary>
    public string? Variable(string name) =>
        Environment.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
}
