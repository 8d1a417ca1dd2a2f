namespace Governance.EventLog.Embedded;

/// <summary>Absolute paths of the PostgreSQL server programs used to run a private cluster.</summary>
internal sealed record PostgresBinaries(string InitDb, string PgCtl)
{
    internal const string DefaultLibRoot = "/usr/lib/postgresql";

    /// <summary>
    /// <c>initdb</c> and <c>pg_ctl</c> from PATH, else from the highest version under
    /// <c>/usr/lib/postgresql/*/bin</c>.
    /// </summary>
    /// <exception cref="EmbeddedPostgresUnavailableException">Neither place has both programs.</exception>
    public static PostgresBinaries Locate(string? pathVariable = null, string libRoot = DefaultLibRoot)
    {
        pathVariable ??= Environment.GetEnvironmentVariable("PATH") ?? string.Empty;

        var onPath = FindOnPath("initdb", pathVariable) is { } initDb && FindOnPath("pg_ctl", pathVariable) is { } pgCtl
            ? new PostgresBinaries(initDb, pgCtl)
            : null;

        return onPath ?? FindUnderLibRoot(libRoot) ?? throw new EmbeddedPostgresUnavailableException();
    }

    private static PostgresBinaries? FindUnderLibRoot(string libRoot)
    {
        if (!Directory.Exists(libRoot))
        {
            return null;
        }

        var candidates = Directory.EnumerateDirectories(libRoot)
            .Select(dir => (Dir: dir, Version: ParseVersion(Path.GetFileName(dir))))
            .Where(c => c.Version is not null)
            .OrderByDescending(c => c.Version);

        foreach (var (dir, _) in candidates)
        {
            var bin = Path.Combine(dir, "bin");
            var initDb = Path.Combine(bin, "initdb");
            var pgCtl = Path.Combine(bin, "pg_ctl");
            if (IsExecutable(initDb) && IsExecutable(pgCtl))
            {
                return new PostgresBinaries(Resolve(initDb), Resolve(pgCtl));
            }
        }

        return null;
    }

    private static Version? ParseVersion(string name)
    {
        if (int.TryParse(name, out var major))
        {
            return new Version(major, 0);
        }

        return Version.TryParse(name, out var version) ? version : null;
    }

    private static string? FindOnPath(string program, string pathVariable)
    {
        foreach (var dir in pathVariable.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, program);
            if (IsExecutable(candidate))
            {
                return Resolve(candidate);
            }
        }

        return null;
    }

    private static bool IsExecutable(string file)
    {
        if (!File.Exists(file))
        {
            return false;
        }

        if (OperatingSystem.IsWindows())
        {
            return true;
        }

        const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return (File.GetUnixFileMode(file) & anyExecute) != 0;
    }

    /// <summary>Follows symlinks (e.g. /usr/local/bin/pg_ctl) to the real program next to <c>postgres</c>.</summary>
    private static string Resolve(string file)
    {
        try
        {
            var target = new FileInfo(file).ResolveLinkTarget(returnFinalTarget: true);
            return target is { Exists: true } ? target.FullName : Path.GetFullPath(file);
        }
        catch (IOException)
        {
            return Path.GetFullPath(file);
        }
    }
}
