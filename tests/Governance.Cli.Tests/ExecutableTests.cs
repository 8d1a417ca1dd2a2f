using System.Diagnostics;
using Governance.Api.Tests.Harness;
using Governance.Cli.Core;
using Governance.Cli.Tests.Harness;
using Governance.Processes;

namespace Governance.Cli.Tests;

/// <summary>
/// The built <c>gov</c> as a process against the service as a process (Kestrel on loopback): what a pipeline runs, exit
/// codes included, with nothing shared but the network.
/// </summary>
public sealed class ExecutableTests : IAsyncLifetime
{
    private string connectionString = "";
    private ServiceProcess? service;

    public async Task InitializeAsync()
    {
        connectionString = await TestDatabase.CreateAsync();
        service = await ServiceProcess.StartAsync(connectionString, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (service is not null)
        {
            await service.DisposeAsync();
        }

        await TestDatabase.DropAsync(connectionString);
    }

    [Fact]
    public async Task the_built_gov_talks_to_a_running_service_with_the_exit_codes_of_the_contract()
    {
        var folder = GovRunner.NewFolder();
        var environment = new Dictionary<string, string?> { ["GOV_URL"] = service!.BaseAddress.ToString(), ["GOV_TOKEN"] = service.AdminKey };

        var register = (await RunAsync(environment, folder, "models", "register", "exe-fraud", "--name", "Fraud detector", "--team", "payments-ml",
            "--task-type", "binary-classification", "--stage", "offline", "--stage", "shadow")).ShouldExit(ExitCodes.Done);
        register.Out.ShouldBe("Registered model exe-fraud (Fraud detector), team payments-ml; stages offline → shadow." + Environment.NewLine);

        (await RunAsync(environment, folder, "models", "register", "exe-fraud", "--name", "x", "--team", "payments-ml", "--task-type", "x"))
            .ShouldExit(ExitCodes.Refused).Err.ShouldContain("already registered");
        (await RunAsync(environment, folder, "audit", "verify", "--token", "gov_wrong")).ShouldExit(ExitCodes.NotAllowed);
        (await RunAsync(environment, folder, "promote", "exe-fraud", "1.0.0")).ShouldExit(ExitCodes.Usage).Err.ShouldContain("Option '--to' is required.");

        await service.KillAsync();
        (await RunAsync(environment, folder, "audit", "verify")).ShouldExit(ExitCodes.Error)
            .Err.ShouldStartWith($"cannot reach {service.BaseAddress.ToString().TrimEnd('/')}: is the service running?");
    }

    private static async Task<GovRun> RunAsync(Dictionary<string, string?> environment, string folder, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = folder,
        };
        info.ArgumentList.Add(GovDll());
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var name in new[] { "GOV_URL", "GOV_TOKEN" })
        {
            info.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return new GovRun(process.ExitCode, await output, await error);
    }

    // The CLI project's own build in this configuration (what `dotnet pack` packs), else the copy next to the tests.
    private static string GovDll()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = output.Parent?.Name ?? "Release";
        for (var dir = output; dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "src", "Governance.Cli", "bin", configuration, output.Name, "gov.dll");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return Path.Combine(AppContext.BaseDirectory, "gov.dll");
    }
}
