using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Governance.Bench;

/// <summary>
/// The real service as a separate process on loopback (Kestrel, auth, validation, inline projections), pointed at
/// a benchmark database, so HTTP figures include everything a client pays for.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
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

    /// <summary>Starts the service built next to this benchmark (Release) and waits until it is ready.</summary>
    public static async Task<ServiceProcess> StartAsync(string connectionString, CancellationToken ct)
    {
        var dll = FindServiceDll();
        var port = FreePort();
        var adminKey = "gov_bench-admin-" + Guid.NewGuid().ToString("N");
        var info = new ProcessStartInfo("dotnet", [dll, "--urls", $"http://127.0.0.1:{port}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        info.Environment["ConnectionStrings__Governance"] = connectionString;
        info.Environment["GOVERNANCE_ADMIN_KEY"] = adminKey;
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        info.Environment["Governance__DataDirectory"] = Path.Combine(Path.GetTempPath(), "governance-bench-service");
        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start the service.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 })
            {
                Console.Error.WriteLine("[service] " + e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var service = new ServiceProcess(process, new Uri($"http://127.0.0.1:{port}"), adminKey);
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
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "src", "Governance.Api", "bin", "Release", "net10.0", "Governance.Api.dll");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("Build the service in Release first: dotnet build src/Governance.Api -c Release");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
