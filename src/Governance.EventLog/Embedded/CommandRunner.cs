using System.Diagnostics;
using System.Text;

namespace Governance.EventLog.Embedded;

/// <summary>Exit code and combined output of one finished command.</summary>
internal sealed record CommandResult(string CommandLine, int ExitCode, string Output)
{
    public bool Succeeded => ExitCode == 0;

    public string Describe() =>
        $"`{CommandLine}` exited with code {ExitCode}:{Environment.NewLine}{(Output.Length == 0 ? "(no output)" : Output.TrimEnd())}";
}

/// <summary>
/// Runs programs either directly or, when this process is root, as the <c>postgres</c> OS user
/// (PostgreSQL refuses to run as root).
/// </summary>
internal sealed class CommandRunner
{
    public const string PostgresUser = "postgres";

    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(2);

    private readonly string? _runUser;
    private readonly string? _su;

    private CommandRunner(bool asPostgresUser, string? runUser, string? su)
    {
        AsPostgresUser = asPostgresUser;
        _runUser = runUser;
        _su = su;
    }

    /// <summary>True when PostgreSQL programs are run as the <c>postgres</c> OS user.</summary>
    public bool AsPostgresUser { get; }

    public static CommandRunner Create()
    {
        if (!NativeMethods.IsRoot())
        {
            return new CommandRunner(asPostgresUser: false, runUser: null, su: null);
        }

        var runUser = FirstExisting("/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser", "/bin/runuser");
        var su = FirstExisting("/usr/bin/su", "/bin/su");
        if (runUser is null && su is null)
        {
            throw new EmbeddedPostgresException(
                "This process runs as root, which PostgreSQL refuses; neither `runuser` nor `su` was found "
                + "to run it as the `postgres` OS user.");
        }

        return new CommandRunner(asPostgresUser: true, runUser, su);
    }

    /// <summary>Runs a PostgreSQL program, as the <c>postgres</c> user when this process is root.</summary>
    public Task<CommandResult> RunPostgresAsync(string program, IReadOnlyList<string> arguments, CancellationToken ct)
    {
        if (!AsPostgresUser)
        {
            return RunAsync(program, arguments, ct);
        }

        if (_runUser is not null)
        {
            return RunAsync(_runUser, ["-u", PostgresUser, "--", program, .. arguments], ct);
        }

        var script = "exec " + string.Join(' ', new[] { program }.Concat(arguments).Select(ShellQuote));
        return RunAsync(_su!, [PostgresUser, "-s", "/bin/sh", "-c", script], ct);
    }

    /// <summary>Runs a program as this process's own user.</summary>
    public static async Task<CommandResult> RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken ct)
    {
        var startInfo = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            CreateNoWindow = true,
            // The postgres user may not be able to enter the caller's working directory.
            WorkingDirectory = "/",
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        var commandLine = string.Join(' ', new[] { program }.Concat(arguments).Select(ShellQuote));

        using var process = new Process { StartInfo = startInfo };
        try
        {
            if (!process.Start())
            {
                throw new EmbeddedPostgresException($"Could not start `{commandLine}`.");
            }
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new EmbeddedPostgresException($"Could not start `{commandLine}`: {e.Message}", e);
        }

        process.StandardInput.Close();

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(DefaultTimeout);

        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Already exited.
            }

            ct.ThrowIfCancellationRequested();
            throw new EmbeddedPostgresException($"`{commandLine}` did not finish within {DefaultTimeout.TotalSeconds:0} s.");
        }

        var output = new StringBuilder();
        output.Append(await stdout);
        var errors = await stderr;
        if (errors.Length > 0)
        {
            if (output.Length > 0 && output[^1] != '\n')
            {
                output.Append('\n');
            }

            output.Append(errors);
        }

        return new CommandResult(commandLine, process.ExitCode, output.ToString());
    }

    private static string? FirstExisting(params string[] files) => files.FirstOrDefault(File.Exists);

    private static string ShellQuote(string value) =>
        value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '/' or '.' or '=' or ':' or ',')
            ? value
            : "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
