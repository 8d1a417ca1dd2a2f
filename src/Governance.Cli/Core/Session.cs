using System.CommandLine;

namespace Governance.Cli.Core;

/// <summary>The options every command takes: which service, which key, which output.</summary>
public sealed class GlobalOptions
{
    public Option<string?> Url { get; } = new("--url")
    {
        Description = $"The service's URL [env: GOV_URL; default: {Connection.DefaultUrl}]",
        Recursive = true,
    };

    public Option<string?> Token { get; } = new("--token")
    {
        Description = "The API key [env: GOV_TOKEN; else .governance/admin.key here or in a parent folder, for a loopback URL only]",
        Recursive = true,
    };

    public Option<string> Output { get; } = CreateOutput();

    private static Option<string> CreateOutput()
    {
        var option = new Option<string>("--output")
        {
            Description = "table (for people) or json (the service's JSON as is, for machines)",
            DefaultValueFactory = _ => "table",
            Recursive = true,
            HelpName = "table|json",
        };
        option.AcceptOnlyFromAmong("table", "json");
        return option;
    }
}

/// <summary>One command's run: where it writes, the service it talks to, and whether it writes JSON.</summary>
public sealed class Session(CliContext context, ApiClient api, bool json)
{
    public TextWriter Out => context.Out;

    public TextWriter Err => context.Err;

    public ApiClient Api { get; } = api;

    /// <summary>With <c>--output json</c>, stdout carries only the JSON; everything else goes to stderr.</summary>
    public bool Json { get; } = json;

    /// <summary>Where running commentary goes (waiting, progress): stdout for people, stderr when stdout is JSON.</summary>
    public TextWriter Progress => Json ? Err : Out;

    public TimeSpan PollInterval => context.PollInterval;

    public CliContext Context => context;

    /// <summary>A path from the command line, relative to the working directory.</summary>
    public string ResolvePath(string path) => Path.GetFullPath(path, context.WorkingDirectory);

    /// <summary>The service's answer, as is, for machines.</summary>
    public void WriteJson(ApiResponse response) => Out.WriteLine(response.Body.TrimEnd());

    /// <summary>
    /// Ends a command that succeeded: the service's JSON as is with <c>--output json</c>, else what
    /// <paramref name="forPeople"/> writes.
    /// </summary>
    public async Task<int> DoneAsync(ApiResponse response, Func<Task> forPeople)
    {
        if (Json)
        {
            WriteJson(response);
        }
        else
        {
            await forPeople();
        }

        return ExitCodes.Done;
    }
}
