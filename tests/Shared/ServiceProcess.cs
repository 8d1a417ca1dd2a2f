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

    private ServiceProcess(Process process, Uri baseAddress, string adminKey)
    {
        this.process = process;
        BaseAddress = baseAddress;
        AdminKey = adminKey;
    }

    /// <summary>Where it listens.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The bootstrap admin key.</summary>
    public string AdminKey { get; }

    /// <summary>Everything the service wrote to stdout and stderr so far, line by line.</summary>
    public IReadOnlyCollection<string> Output => output;

    private readonly System.Collections.Concurrent.ConcurrentQueue<string> output = new();

    /// <summary>
    /// Starts the service and waits until it is ready. <paramref name="environment"/> overrides the defaults; a null value
    /// removes a variable (e.g. GOVERNANCE_ADMIN_KEY, so that the service generates its key).
    /// </summary>
    public static async Task<ServiceProcess> StartAsync(string connectionString, CancellationToken ct, string? adminKey = null,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        var dll = FindServiceDll();
        var port = FreePort();
        adminKey ??= "gov_process-admin-" + Guid.NewGuid().ToString("N");
        var info = new ProcessStartInfo("dotnet", [dll, "--urls", $"http://127.0.0.1:{port}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        info.Environment["ConnectionStrings__Governance"] = connectionString;
        info.Environment["GOVERNANCE_ADMIN_KEY"] = adminKey;
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        info.Environment["Governance__DataDirectory"] = Path.Combine(Path.GetTempPath(), "governance-service-process");
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
        var service = new ServiceProcess(process, new Uri($"http://127.0.0.1:{port}"), adminKey);
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
                service.output.Enqueue(e.Data);
                Console.Error.WriteLine("[service] " + e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var client = new HttpClient { BaseAddress = service.BaseAddress };
        for (var i = 0; i < 300; i++)
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
        throw new TimeoutException("The service did not become ready in 30 s.");
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
