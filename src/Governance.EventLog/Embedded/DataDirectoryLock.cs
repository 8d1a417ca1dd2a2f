using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Governance.EventLog.Embedded;

/// <summary>
/// Makes one process the owner of a data directory for as long as it lives: an exclusive lock on
/// <c>&lt;DataDirectory&gt;/owner.lock</c> (<c>flock</c>), held open until <see cref="Dispose"/>. The OS drops the lock
/// when the process ends however it ends (SIGKILL included), so a directory whose owner died can be taken over while a
/// live owner can never be; a PostgreSQL server it left running proves nothing about its owner. <c>owner</c> next to
/// it says who holds the lock, for the message a second process prints.
/// </summary>
internal sealed class DataDirectoryLock : IDisposable
{
    private const string LockFileName = "owner.lock";
    private const string OwnerFileName = "owner";

    private readonly FileStream _lock;
    private readonly string _ownerFile;

    private DataDirectoryLock(FileStream @lock, string ownerFile)
    {
        _lock = @lock;
        _ownerFile = ownerFile;
    }

    /// <summary>Takes the directory for this process, or says who holds it.</summary>
    /// <exception cref="EmbeddedPostgresInUseException">Another live process owns the directory.</exception>
    public static DataDirectoryLock Acquire(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        var lockFile = Path.Combine(dataDirectory, LockFileName);
        FileStream stream;
        try
        {
            // FileShare.None is an exclusive, non-blocking flock on Unix. The file is never deleted: a process that
            // opened it just before a deletion would lock an orphaned inode while a third locks the new file.
            stream = new FileStream(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException) when (File.Exists(lockFile))
        {
            throw new EmbeddedPostgresInUseException(dataDirectory, DescribeOwner(dataDirectory, lockFile));
        }
        catch (UnauthorizedAccessException e)
        {
            throw new EmbeddedPostgresException(
                $"This process may not open {lockFile}, so it cannot tell whether another process uses {dataDirectory}; "
                + "run it as the user that owns the folder, or choose another folder with Governance__DataDirectory.", e);
        }

        var ownerFile = Path.Combine(dataDirectory, OwnerFileName);
        var owner = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"pid={Environment.ProcessId}\n")
            .Append(CultureInfo.InvariantCulture, $"started={DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ}\n")
            .Append(CultureInfo.InvariantCulture, $"command={CommandLineOf(OwnCommandLine())}\n")
            .ToString();
        var temporary = ownerFile + "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        File.WriteAllText(temporary, owner);
        File.Move(temporary, ownerFile, overwrite: true);
        return new DataDirectoryLock(stream, ownerFile);
    }

    /// <summary>Gives the directory up (before the lock, so a next owner's file is never removed).</summary>
    public void Dispose()
    {
        try
        {
            File.Delete(_ownerFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Only informative; the lock below is what counts.
        }

        _lock.Dispose();
    }

    /// <summary>
    /// Who holds the lock: the owner file when the process it names is alive, else the kernel's lock table (a process
    /// that is not this service, or one that has not written the file yet).
    /// </summary>
    private static string DescribeOwner(string dataDirectory, string lockFile)
    {
        var recorded = ReadOwnerFile(Path.Combine(dataDirectory, OwnerFileName));
        if (recorded is { } owner && IsAlive(owner.Pid))
        {
            return $"process {owner.Pid} ({owner.Command}, started {owner.Started})";
        }

        if (LockHolderPid(lockFile) is { } pid)
        {
            return CommandLineOfProcess(pid) is { Length: > 0 } command ? $"process {pid} ({command})" : $"process {pid}";
        }

        return "another process";
    }

    private static (int Pid, string Started, string Command)? ReadOwnerFile(string ownerFile)
    {
        try
        {
            var fields = File.ReadAllLines(ownerFile)
                .Select(line => line.Split('=', 2))
                .Where(parts => parts.Length == 2)
                .ToDictionary(parts => parts[0], parts => parts[1], StringComparer.Ordinal);
            return fields.TryGetValue("pid", out var pidText) && int.TryParse(pidText, CultureInfo.InvariantCulture, out var pid)
                ? (pid, fields.GetValueOrDefault("started", "at an unknown time"), fields.GetValueOrDefault("command", "unknown command"))
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The pid /proc/locks gives for the flock on the file's inode (Linux only; null elsewhere).</summary>
    private static int? LockHolderPid(string lockFile)
    {
        try
        {
            if (!File.Exists("/proc/locks"))
            {
                return null;
            }

            var inode = InodeOf(lockFile);
            if (inode is null)
            {
                return null;
            }

            // "1: FLOCK  ADVISORY  WRITE 4242 08:01:1234567 0 EOF"
            foreach (var line in File.ReadLines("/proc/locks"))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length > 5 && parts[1] == "FLOCK" && parts[5].EndsWith(":" + inode, StringComparison.Ordinal)
                    && int.TryParse(parts[4], CultureInfo.InvariantCulture, out var pid))
                {
                    return pid;
                }
            }

            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string? InodeOf(string path)
    {
        try
        {
            using var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%i", path]) { RedirectStandardOutput = true });
            if (stat is null)
            {
                return null;
            }

            var output = stat.StandardOutput.ReadToEnd().Trim();
            stat.WaitForExit();
            return stat.ExitCode == 0 && output.Length > 0 ? output : null;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return null;
        }
    }

    private static string? CommandLineOfProcess(int pid)
    {
        try
        {
            var raw = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cmdline");
            return CommandLineOf(raw.Split('\0', StringSplitOptions.RemoveEmptyEntries));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>How this process was started: <c>dotnet Governance.Api.dll --demo</c> rather than just the dll.</summary>
    private static string[] OwnCommandLine()
    {
        var arguments = Environment.GetCommandLineArgs();
        return Path.GetFileNameWithoutExtension(Environment.ProcessPath) is "dotnet" && !arguments[0].EndsWith("dotnet", StringComparison.Ordinal)
            ? ["dotnet", .. arguments]
            : arguments;
    }

    private static string CommandLineOf(IEnumerable<string> arguments) =>
        string.Join(' ', arguments.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"'{a}'" : a));
}
