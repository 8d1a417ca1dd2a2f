using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Governance.Processes;

/// <summary>
/// The real service as a separate process on loopback (Kestrel, auth, validation, inline projections), pointed at a
/// database: benchmarks measure everything a client pays for, and crash tests can SIGKILL it. Linked into the bench
/// and the HTTP tests; it runs the build of <c>src/Governance.Api</c> in the caller's own configuration.
/// </summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly bool embedded;

    private ServiceProcess(Process process, Uri baseAddress, string adminKey, bool embedded)
    {
        this.process = process;
        this.embedded = embedded;
        BaseAddress = baseAddress;
        AdminKey = adminKey;
    }

    /// <summary>The service's process id.</summary>
    public int ProcessId => process.Id;

    /// <summary>Where it listens.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The bootstrap admin key.</summary>
    public string AdminKey { get; }

    /// <summary>Everything the service wrote to stdout and stderr so far, line by line.</summary>
    public IReadOnlyCollection<string> Output => output;

    private readonly System.Collections.Concurrent.ConcurrentQueue<string> output = new();

    /// <summary>
    /// Starts the service on a database and waits until it is ready. <paramref name="environment"/> overrides the defaults;
    /// a null value removes a variable (e.g. GOVERNANCE_ADMIN_KEY, so that the service generates its key).
    /// </summary>
    public static Task<ServiceProcess> StartAsync(string connectionString, CancellationToken ct, string? adminKey = null,
        IReadOnlyDictionary<string, string?>? environment = null) =>
        StartCoreAsync(connectionString, Path.Combine(Path.GetTempPath(), "governance-service-process"), adminKey, environment, ct);

    /// <summary>
    /// Starts the service with its embedded PostgreSQL in <paramref name="dataDirectory"/> and waits until it is ready.
    /// Disposing it stops it gracefully (SIGTERM), so the embedded server stops too.
    /// </summary>
    public static Task<ServiceProcess> StartEmbeddedAsync(string dataDirectory, CancellationToken ct, string? adminKey = null, IReadOnlyList<string>? arguments = null) =>
        StartCoreAsync(connectionString: null, dataDirectory, adminKey, environment: null, ct, arguments);

    /// <summary>
    /// Runs the service with <paramref name="arguments"/> until it exits by itself (killed after <paramref name="timeout"/>), on
    /// its embedded PostgreSQL in <paramref name="dataDirectory"/> or on <paramref name="connectionString"/>'s database.
    /// </summary>
    public static async Task<Exited> RunToExitAsync(IReadOnlyList<string> arguments, string dataDirectory, TimeSpan timeout, string? connectionString = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = StartInfo(arguments, connectionString, dataDirectory, adminKey: null);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start the service.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return new Exited(null, await output, await error);
        }

        return new Exited(process.ExitCode, await output, await error);
    }

    private static ProcessStartInfo StartInfo(IReadOnlyList<string> arguments, string? connectionString, string dataDirectory, string? adminKey)
    {
        var dll = FindServiceDll();
        var info = new ProcessStartInfo("dotnet", [dll, .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        info.Environment.Remove("ConnectionStrings__Governance");
        info.Environment.Remove("GOVERNANCE_ADMIN_KEY");
        if (connectionString is not null)
        {
            info.Environment["ConnectionStrings__Governance"] = connectionString;
        }

        if (adminKey is not null)
        {
            info.Environment["GOVERNANCE_ADMIN_KEY"] = adminKey;
        }

        info.Environment["Logging__LogLevel__Default"] = "Warning";
        info.Environment["Governance__DataDirectory"] = dataDirectory;
        return info;
    }

    private static async Task<ServiceProcess> StartCoreAsync(string? connectionString, string dataDirectory, string? adminKey,
        IReadOnlyDictionary<string, string?>? environment, CancellationToken ct, IReadOnlyList<string>? arguments = null)
    {
        var port = FreePort();
        adminKey ??= "gov_process-admin-" + Guid.NewGuid().ToString("N");
        var info = StartInfo(["--urls", $"http://127.0.0.1:{port}", .. arguments ?? []], connectionString, dataDirectory, adminKey);
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                info.Environment.Remove(name);
            }
            else
            {
                info.Environment[name] = value;
            }
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start the service.");
        var service = new ServiceProcess(process, new Uri($"http://127.0.0.1:{port}"), adminKey, embedded: connectionString is null);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                service.output.Enqueue(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 })
            {
                Console.Error.WriteLine("[service] " + e.Data);
                service.output.Enqueue(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var client = new HttpClient { BaseAddress = service.BaseAddress };
        for (var i = 0; i < 600; i++)
        {
            try
            {
                using var ready = await client.GetAsync("/health/ready", ct);
                if (ready.StatusCode == HttpStatusCode.OK)
                {
                    return service;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (process.HasExited)
            {
                throw new InvalidOperationException($"The service exited with {process.ExitCode}.");
            }

            await Task.Delay(100, ct);
        }

        await service.DisposeAsync();
        throw new TimeoutException("The service did not become ready in 60 s.");
    }

    /// <summary>A client with the admin key and enough connections for the load.</summary>
    public HttpClient CreateClient(string? key = null)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 512, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = BaseAddress,
        };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key ?? AdminKey);
        return client;
    }

    /// <summary>SIGKILL: no shutdown, no flush, no goodbye — what a crash looks like.</summary>
    public async Task KillAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (embedded && !process.HasExited)
        {
            // SIGTERM: the host shuts down and stops its embedded PostgreSQL, which a SIGKILL would leave running.
            using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }

            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                // Still running: killed below.
            }
        }

        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    private static string FindServiceDll()
    {
        // The caller runs from .../bin/<Configuration>/<tfm>/: use the service built in the same configuration.
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = output.Parent?.Name ?? "Release";
        for (var dir = output; dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "src", "Governance.Api", "bin", configuration, output.Name, "Governance.Api.dll");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"Build the service first: dotnet build src/Governance.Api -c {configuration}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>How a run of the service ended: its exit code (null when it had to be killed) and what it printed.</summary>
internal sealed record Exited(int? ExitCode, string Output, string Error);
