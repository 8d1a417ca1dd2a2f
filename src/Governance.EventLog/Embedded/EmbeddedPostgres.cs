using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Governance.EventLog.Embedded;

/// <summary>
/// A private PostgreSQL cluster run from the server binaries installed on this machine
/// (<c>initdb</c>, <c>pg_ctl</c>). It listens on 127.0.0.1 only, with a random password kept in
/// <c>&lt;DataDirectory&gt;/pg.password</c>. One live process owns a data directory (an OS lock held for its
/// lifetime): a second start on it is refused without touching the server, while an existing cluster whose owner is
/// gone is reused, and a server that a killed owner left running is stopped and started afresh.
/// </summary>
/// <remarks>
/// Files under <see cref="DataDirectory"/>: <c>pg/</c> (the cluster), <c>pg.password</c>, <c>pg.log</c>,
/// <c>connection</c> (a libpq URI for people: <c>psql "$(cat connection)"</c>), <c>owner.lock</c> and <c>owner</c>
/// (who holds the directory).
/// </remarks>
public sealed class EmbeddedPostgres : IAsyncDisposable
{
    private const string Superuser = "postgres";
    private const string ServiceDatabase = "governance";
    private const int StartAttempts = 3;
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);

    private readonly PostgresBinaries _binaries;
    private readonly CommandRunner _runner;
    private readonly bool _ephemeral;
    private readonly DataDirectoryLock _ownership;
    private readonly Lock _stopGate = new();
    private Task? _stopTask;

    private EmbeddedPostgres(
        PostgresBinaries binaries,
        CommandRunner runner,
        string dataDirectory,
        bool ephemeral,
        DataDirectoryLock ownership,
        int port,
        string password)
    {
        _binaries = binaries;
        _runner = runner;
        _ephemeral = ephemeral;
        _ownership = ownership;
        DataDirectory = dataDirectory;
        Port = port;
        ConnectionString = BuildConnectionString(port, password, pooling: true);
    }

    /// <summary>Npgsql connection string to the <c>postgres</c> database as the <c>postgres</c> superuser.</summary>
    public string ConnectionString { get; }

    /// <summary>TCP port the server listens on (127.0.0.1).</summary>
    public int Port { get; }

    /// <summary>Full path of the folder given in <see cref="EmbeddedPostgresOptions.DataDirectory"/>.</summary>
    public string DataDirectory { get; }

    private string ClusterDirectory => ClusterDirectoryOf(DataDirectory);

    /// <summary>Creates the cluster if needed, starts it and waits until it accepts connections.</summary>
    /// <exception cref="EmbeddedPostgresUnavailableException">No PostgreSQL server binaries on this machine.</exception>
    /// <exception cref="EmbeddedPostgresInUseException">Another live process owns the data directory; nothing was touched.</exception>
    /// <exception cref="EmbeddedPostgresException">The cluster could not be created or started.</exception>
    public static async Task<EmbeddedPostgres> StartAsync(EmbeddedPostgresOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.DataDirectory);

        var binaries = PostgresBinaries.Locate();
        var runner = CommandRunner.Create();
        var dataDirectory = Path.GetFullPath(options.DataDirectory);
        if (options.Ephemeral)
        {
            RemoveAbandonedEphemeralClusters(Path.GetDirectoryName(dataDirectory)!);
        }

        // First of all: until this process owns the folder, nothing in it may be changed.
        var ownership = DataDirectoryLock.Acquire(dataDirectory);
        try
        {
            if (options.Ephemeral)
            {
                await File.WriteAllTextAsync(Path.Combine(dataDirectory, EphemeralMarker), string.Empty, ct);
            }

            return await StartCoreAsync(binaries, runner, dataDirectory, ownership, options, ct);
        }
        catch
        {
            ownership.Dispose();
            if (options.Ephemeral)
            {
                TryDeleteDirectory(dataDirectory);
            }

            throw;
        }
    }

    /// <summary>Stops the server (<c>pg_ctl stop -m fast</c>); safe to call more than once.</summary>
    public Task StopAsync()
    {
        lock (_stopGate)
        {
            return _stopTask ??= StopCoreAsync();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private static async Task<EmbeddedPostgres> StartCoreAsync(
        PostgresBinaries binaries,
        CommandRunner runner,
        string dataDirectory,
        DataDirectoryLock ownership,
        EmbeddedPostgresOptions options,
        CancellationToken ct)
    {
        var clusterDirectory = ClusterDirectoryOf(dataDirectory);
        var logFile = Path.Combine(dataDirectory, "pg.log");

        Directory.CreateDirectory(dataDirectory);
        Directory.CreateDirectory(clusterDirectory);
        SetMode(clusterDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (!File.Exists(logFile))
        {
            await File.WriteAllTextAsync(logFile, string.Empty, ct);
        }

        if (runner.AsPostgresUser)
        {
            await EnsurePostgresUserCanReachAsync(runner, dataDirectory, ct);
            await GiveToPostgresUserAsync(clusterDirectory, recursive: true, ct);
            await GiveToPostgresUserAsync(logFile, recursive: false, ct);
        }

        var password = File.Exists(Path.Combine(clusterDirectory, "PG_VERSION"))
            ? await ReadPasswordAsync(dataDirectory, ct)
            : await InitClusterAsync(binaries, runner, dataDirectory, ct);

        await StopLeftoverServerAsync(binaries, runner, clusterDirectory, ct);

        var port = await StartServerAsync(binaries, runner, dataDirectory, options.Port, ct);
        var server = new EmbeddedPostgres(binaries, runner, dataDirectory, options.Ephemeral, ownership, port, password);
        try
        {
            await WaitForConnectionAsync(port, password, logFile, ct);
            await WriteConnectionFileAsync(dataDirectory, port, password, ct);
            AppDomain.CurrentDomain.ProcessExit += server.OnProcessExit;
            return server;
        }
        catch
        {
            await server.StopServerAsync();
            throw;
        }
    }

    private static async Task<string> InitClusterAsync(
        PostgresBinaries binaries,
        CommandRunner runner,
        string dataDirectory,
        CancellationToken ct)
    {
        var clusterDirectory = ClusterDirectoryOf(dataDirectory);
        var password = RandomNumberGenerator.GetHexString(32, lowercase: true);

        // Saved before initdb so that a cluster never exists without its password on disk.
        var passwordFile = PasswordFileOf(dataDirectory);
        await WritePrivateFileAsync(passwordFile, password, ct);

        var passwordInput = Path.Combine(dataDirectory, $"pg.pwfile.{Guid.NewGuid():N}");
        await WritePrivateFileAsync(passwordInput, password + "\n", ct);
        try
        {
            if (runner.AsPostgresUser)
            {
                await GiveToPostgresUserAsync(passwordInput, recursive: false, ct);
            }

            var failures = new List<CommandResult>();
            foreach (var locale in new[] { "C.UTF-8", "C" })
            {
                EmptyDirectory(clusterDirectory);
                var result = await runner.RunPostgresAsync(
                    binaries.InitDb,
                    [
                        "-D", clusterDirectory,
                        "-U", Superuser,
                        "--auth=scram-sha-256",
                        $"--pwfile={passwordInput}",
                        "-E", "UTF8",
                        $"--locale={locale}",
                    ],
                    ct);
                if (result.Succeeded)
                {
                    return password;
                }

                failures.Add(result);
            }

            throw new EmbeddedPostgresException(
                $"initdb could not create a PostgreSQL cluster in {clusterDirectory}.{Environment.NewLine}"
                + string.Join(Environment.NewLine, failures.Select(f => f.Describe())));
        }
        finally
        {
            File.Delete(passwordInput);
        }
    }

    private static async Task<string> ReadPasswordAsync(string dataDirectory, CancellationToken ct)
    {
        var passwordFile = PasswordFileOf(dataDirectory);
        if (!File.Exists(passwordFile))
        {
            throw new EmbeddedPostgresException(
                $"The PostgreSQL cluster in {ClusterDirectoryOf(dataDirectory)} exists but its password file "
                + $"{passwordFile} is missing; restore the file, or delete {dataDirectory} to start with an empty cluster.");
        }

        return (await File.ReadAllTextAsync(passwordFile, ct)).Trim();
    }

    /// <summary>
    /// A server from this cluster may still be running although this process owns the folder: its owner was killed
    /// (a server started by pg_ctl outlives it). Stop it so that it is restarted with this run's port and settings.
    /// A postmaster.pid without a live server is stale and removed.
    /// </summary>
    private static async Task StopLeftoverServerAsync(
        PostgresBinaries binaries,
        CommandRunner runner,
        string clusterDirectory,
        CancellationToken ct)
    {
        var pidFile = Path.Combine(clusterDirectory, "postmaster.pid");
        if (!File.Exists(pidFile))
        {
            return;
        }

        var status = await runner.RunPostgresAsync(binaries.PgCtl, ["-D", clusterDirectory, "status"], ct);
        if (status.Succeeded)
        {
            var stop = await runner.RunPostgresAsync(
                binaries.PgCtl, ["-D", clusterDirectory, "-m", "fast", "-w", "-t", "60", "stop"], ct);
            if (!stop.Succeeded && await IsRunningAsync(binaries, runner, clusterDirectory, ct))
            {
                throw new EmbeddedPostgresException(
                    $"A PostgreSQL server left running from {clusterDirectory} could not be stopped.{Environment.NewLine}"
                    + stop.Describe());
            }
        }

        if (File.Exists(pidFile))
        {
            File.Delete(pidFile);
        }
    }

    private static async Task<int> StartServerAsync(
        PostgresBinaries binaries,
        CommandRunner runner,
        string dataDirectory,
        int? requestedPort,
        CancellationToken ct)
    {
        var clusterDirectory = ClusterDirectoryOf(dataDirectory);
        var logFile = Path.Combine(dataDirectory, "pg.log");

        for (var attempt = 1; ; attempt++)
        {
            var port = requestedPort ?? FindFreePort();
            var serverOptions = string.Join(
                ' ',
                $"-p {port.ToString(CultureInfo.InvariantCulture)}",
                "-c listen_addresses=127.0.0.1",
                "-c unix_socket_directories=''",
                "-c fsync=on",
                "-c max_connections=200",
                "-c shared_buffers=128MB");

            var result = await runner.RunPostgresAsync(
                binaries.PgCtl,
                ["-D", clusterDirectory, "-w", "-t", "60", "-l", logFile, "-o", serverOptions, "start"],
                ct);
            if (result.Succeeded)
            {
                return port;
            }

            var logTail = await ReadLogTailAsync(logFile, ct);
            var portTaken = logTail.Contains("Address already in use", StringComparison.OrdinalIgnoreCase)
                || result.Output.Contains("Address already in use", StringComparison.OrdinalIgnoreCase);
            if (portTaken && requestedPort is null && attempt < StartAttempts)
            {
                continue;
            }

            throw new EmbeddedPostgresException(
                $"PostgreSQL in {clusterDirectory} did not start on 127.0.0.1:{port}.{Environment.NewLine}"
                + result.Describe() + Environment.NewLine
                + $"Last lines of {logFile}:{Environment.NewLine}{logTail}");
        }
    }

    private static async Task WaitForConnectionAsync(int port, string password, string logFile, CancellationToken ct)
    {
        var connectionString = BuildConnectionString(port, password, pooling: false);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(ct);
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException && !ct.IsCancellationRequested)
            {
                if (clock.Elapsed > ConnectTimeout)
                {
                    throw new EmbeddedPostgresException(
                        $"PostgreSQL started but did not accept connections on 127.0.0.1:{port} within "
                        + $"{ConnectTimeout.TotalSeconds:0} s: {e.Message}{Environment.NewLine}"
                        + $"Last lines of {logFile}:{Environment.NewLine}{await ReadLogTailAsync(logFile, ct)}",
                        e);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
            }
        }
    }

    private static Task WriteConnectionFileAsync(string dataDirectory, int port, string password, CancellationToken ct)
    {
        var uri = $"postgresql://{Superuser}:{Uri.EscapeDataString(password)}@127.0.0.1:"
            + $"{port.ToString(CultureInfo.InvariantCulture)}/{ServiceDatabase}";
        return WritePrivateFileAsync(Path.Combine(dataDirectory, "connection"), uri + "\n", ct);
    }

    private async Task StopCoreAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        try
        {
            await StopServerAsync();
        }
        finally
        {
            _ownership.Dispose();
            if (_ephemeral)
            {
                TryDeleteDirectory(DataDirectory);
            }
        }
    }

    private async Task StopServerAsync()
    {
        using (var connection = new NpgsqlConnection(ConnectionString))
        {
            NpgsqlConnection.ClearPool(connection);
        }

        if (!File.Exists(Path.Combine(ClusterDirectory, "postmaster.pid")))
        {
            return;
        }

        var stop = await _runner.RunPostgresAsync(
            _binaries.PgCtl, ["-D", ClusterDirectory, "-m", "fast", "-w", "-t", "60", "stop"], CancellationToken.None);
        if (!stop.Succeeded && await IsRunningAsync(_binaries, _runner, ClusterDirectory, CancellationToken.None))
        {
            throw new EmbeddedPostgresException(
                $"PostgreSQL in {ClusterDirectory} could not be stopped.{Environment.NewLine}{stop.Describe()}");
        }
    }

    private void OnProcessExit(object? sender, EventArgs e)
    {
        // Best effort: the process is going away, so wait a bounded time and swallow failures.
        try
        {
            StopAsync().Wait(TimeSpan.FromSeconds(30));
        }
        catch (Exception)
        {
            // Nothing left to report to.
        }
    }

    private static async Task<bool> IsRunningAsync(
        PostgresBinaries binaries,
        CommandRunner runner,
        string clusterDirectory,
        CancellationToken ct) =>
        (await runner.RunPostgresAsync(binaries.PgCtl, ["-D", clusterDirectory, "status"], ct)).Succeeded;

    /// <summary>
    /// The postgres OS user must be able to enter every folder down to the data folder. Parents that
    /// deny it are given o+x (enter, not list); if that is not enough, fail with what to do.
    /// </summary>
    private static async Task EnsurePostgresUserCanReachAsync(CommandRunner runner, string dataDirectory, CancellationToken ct)
    {
        if (await PostgresUserCanEnterAsync(runner, dataDirectory, ct))
        {
            return;
        }

        for (var dir = new DirectoryInfo(dataDirectory); dir is not null; dir = dir.Parent)
        {
            AddOtherExecute(dir.FullName);
        }

        if (!await PostgresUserCanEnterAsync(runner, dataDirectory, ct))
        {
            throw new EmbeddedPostgresException(
                $"The `{CommandRunner.PostgresUser}` OS user, which runs PostgreSQL because this process is root, "
                + $"cannot enter {dataDirectory}. Give it access to every parent folder (chmod o+x), or choose a "
                + "data folder it can reach, such as one under /var/lib or /tmp.");
        }
    }

    private static async Task<bool> PostgresUserCanEnterAsync(CommandRunner runner, string directory, CancellationToken ct) =>
        (await runner.RunPostgresAsync("test", ["-x", directory], ct)).Succeeded;

    private static async Task GiveToPostgresUserAsync(string path, bool recursive, CancellationToken ct)
    {
        const string owner = CommandRunner.PostgresUser + ":";
        var result = await CommandRunner.RunAsync("chown", recursive ? ["-R", owner, path] : [owner, path], ct);
        if (!result.Succeeded)
        {
            throw new EmbeddedPostgresException(
                $"Could not hand {path} to the `{CommandRunner.PostgresUser}` OS user.{Environment.NewLine}{result.Describe()}");
        }
    }

    private static int FindFreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    private static string BuildConnectionString(int port, string password, bool pooling) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Username = Superuser,
            Password = password,
            Database = "postgres",
            Pooling = pooling,
        }.ConnectionString;

    private static async Task<string> ReadLogTailAsync(string logFile, CancellationToken ct, int lines = 40)
    {
        try
        {
            await using var stream = new FileStream(logFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var all = (await reader.ReadToEndAsync(ct)).Split('\n');
            var tail = string.Join('\n', all.TakeLast(lines + 1)).TrimEnd();
            return tail.Length == 0 ? "(empty)" : tail;
        }
        catch (IOException e)
        {
            return $"(could not read: {e.Message})";
        }
        catch (UnauthorizedAccessException e)
        {
            return $"(could not read: {e.Message})";
        }
    }

    private static async Task WritePrivateFileAsync(string path, string content, CancellationToken ct)
    {
        if (!OperatingSystem.IsWindows())
        {
            // Create with 600 from the start so the secret is never readable by others.
            var options = new FileStreamOptions
            {
                Mode = FileMode.Create,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            };
            await using (var stream = new FileStream(path, options))
            await using (var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)))
            {
                await writer.WriteAsync(content.AsMemory(), ct);
            }

            // An existing file keeps its old mode on truncate; tighten it.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            return;
        }

        await File.WriteAllTextAsync(path, content, ct);
    }

    private static void SetMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }

    private static void AddOtherExecute(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var mode = File.GetUnixFileMode(directory);
        if ((mode & UnixFileMode.OtherExecute) == 0)
        {
            File.SetUnixFileMode(directory, mode | UnixFileMode.OtherExecute);
        }
    }

    private static void EmptyDirectory(string directory)
    {
        foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos())
        {
            if (entry is DirectoryInfo dir)
            {
                dir.Delete(recursive: true);
            }
            else
            {
                entry.Delete();
            }
        }
    }

    /// <summary>Marks a folder made for an ephemeral cluster, so a later start may clean it up.</summary>
    private const string EphemeralMarker = ".ephemeral";

    /// <summary>
    /// An ephemeral cluster is removed when its process exits, but a test host may be ended before that finishes
    /// (or killed). Remove such folders of earlier runs next to a new one, once their server is gone.
    /// </summary>
    private static void RemoveAbandonedEphemeralClusters(string parent)
    {
        if (!Directory.Exists(parent))
        {
            return;
        }

        foreach (var folder in Directory.EnumerateDirectories(parent))
        {
            if (!File.Exists(Path.Combine(folder, EphemeralMarker)) || Directory.GetLastWriteTimeUtc(folder) > DateTime.UtcNow.AddMinutes(-1)
                || IsServerAlive(ClusterDirectoryOf(folder)))
            {
                continue;
            }

            TryDeleteDirectory(folder);
        }
    }

    private static bool IsServerAlive(string clusterDirectory)
    {
        var pidFile = Path.Combine(clusterDirectory, "postmaster.pid");
        try
        {
            return File.Exists(pidFile)
                && int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), out var pid)
                && Directory.Exists($"/proc/{pid}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return true; // unreadable: leave it alone
        }
    }

    private static void TryDeleteDirectory(string directory)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                if (Directory.Exists(directory))
                {
                    Directory.Delete(directory, recursive: true);
                }

                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Thread.Sleep(100 * (attempt + 1));
            }
        }
    }

    private static string ClusterDirectoryOf(string dataDirectory) => Path.Combine(dataDirectory, "pg");

    private static string PasswordFileOf(string dataDirectory) => Path.Combine(dataDirectory, "pg.password");
}
