using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Governance.Processes;

namespace Governance.Api.Tests.Reliability;

/// <summary>
/// The service as its own process with its embedded PostgreSQL: one live service per data directory, a directory whose
/// service was killed is taken over with its data, and <c>--help</c> starts nothing.
/// </summary>
public sealed class DataDirectoryTests : IAsyncLifetime
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "governance-datadir-" + Guid.NewGuid().ToString("N"));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        // A test that failed half-way may leave the embedded server running; stop it before removing its folder.
        if (PostmasterPid() is { } pid && IsAlive(pid))
        {
            using var stop = Process.Start("kill", ["-INT", pid.ToString(CultureInfo.InvariantCulture)]);
            await stop.WaitForExitAsync();
            for (var i = 0; i < 100 && IsAlive(pid); i++)
            {
                await Task.Delay(100);
            }
        }

        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task a_second_service_on_a_data_directory_in_use_is_refused_and_the_first_keeps_serving()
    {
        await using var first = await ServiceProcess.StartEmbeddedAsync(folder, CancellationToken.None);
        var server = PostmasterPid();

        var second = await ServiceProcess.RunToExitAsync(["--urls", "http://127.0.0.1:0"], folder, TimeSpan.FromSeconds(60));

        second.ExitCode.ShouldNotBeNull("the second service kept running instead of refusing");
        second.ExitCode.ShouldNotBe(0);
        var lines = second.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBe(1, second.Error);
        lines[0].ShouldContain($"is in use by process {first.ProcessId} (dotnet ");
        lines[0].ShouldContain("Governance__DataDirectory");
        PostmasterPid().ShouldBe(server);
        using var client = first.CreateClient();
        (await client.GetAsync("/health/ready")).StatusCode.ShouldBe(HttpStatusCode.OK);
        using var created = await client.PostAsJsonAsync("/api/v1/principals", new { name = "still-serving", roles = new[] { "viewer" } });
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task a_data_directory_whose_service_was_killed_is_taken_over_with_its_data()
    {
        int abandoned;
        await using (var killed = await ServiceProcess.StartEmbeddedAsync(folder, CancellationToken.None))
        {
            using var client = killed.CreateClient();
            using var created = await client.PostAsJsonAsync("/api/v1/principals", new { name = "survivor", roles = new[] { "viewer" } });
            created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
            abandoned = PostmasterPid() ?? throw new InvalidOperationException("The embedded server wrote no postmaster.pid.");
            await killed.KillAsync();
        }

        // pg_ctl detaches the server from the service, so a SIGKILL leaves it running: that is the case to take over.
        IsAlive(abandoned).ShouldBeTrue("the embedded server did not outlive its killed service");

        await using var restarted = await ServiceProcess.StartEmbeddedAsync(folder, CancellationToken.None);
        using var admin = restarted.CreateClient();
        using var survivor = await admin.GetAsync("/api/v1/principals/survivor");
        survivor.StatusCode.ShouldBe(HttpStatusCode.OK, await survivor.Content.ReadAsStringAsync());
        var verify = await admin.GetFromJsonAsync<JsonElement>("/api/v1/audit/verify");
        verify.GetProperty("verified").GetBoolean().ShouldBeTrue(verify.ToString());
        IsAlive(abandoned).ShouldBeFalse("the server left by the killed service is still running next to the new one");
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public async Task help_prints_the_options_and_exits_without_starting_anything(string flag)
    {
        var help = await ServiceProcess.RunToExitAsync([flag], folder, TimeSpan.FromSeconds(60));

        help.ExitCode.ShouldBe(0, help.Error);
        foreach (var option in new[] { "--urls", "ASPNETCORE_URLS", "--demo", "Governance__DataDirectory", folder, "ConnectionStrings__Governance", "GOVERNANCE_ADMIN_KEY" })
        {
            help.Output.ShouldContain(option);
        }

        help.Output.ShouldNotContain("listening");
        Directory.Exists(folder).ShouldBeFalse("--help created the data directory");
    }

    private int? PostmasterPid()
    {
        var file = Path.Combine(folder, "pg", "postmaster.pid");
        try
        {
            return File.Exists(file) && int.TryParse(File.ReadLines(file).FirstOrDefault(), CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Running, not merely an unreaped zombie (an init that does not reap keeps those around).</summary>
    private static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z') is false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
