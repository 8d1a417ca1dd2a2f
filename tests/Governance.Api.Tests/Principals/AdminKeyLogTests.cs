using System.Net;
using Governance.Api.Tests.Harness;
using Governance.Processes;

namespace Governance.Api.Tests.Principals;

/// <summary>The generated admin key goes into its file, and only there: logs are collected and kept.</summary>
public sealed class AdminKeyLogTests
{
    [Fact]
    public async Task a_generated_admin_key_is_written_to_its_file_and_never_to_the_output()
    {
        var connectionString = await TestDatabase.CreateAsync();
        var dataDirectory = Path.Combine(Path.GetTempPath(), "governance-adminkey-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            await using var service = await ServiceProcess.StartAsync(connectionString, CancellationToken.None, environment: new Dictionary<string, string?>
            {
                ["GOVERNANCE_ADMIN_KEY"] = null,
                ["Governance__DataDirectory"] = dataDirectory,
                ["Logging__LogLevel__Default"] = "Information",
            });
            var file = Path.Combine(dataDirectory, "admin.key");
            var key = (await File.ReadAllTextAsync(file)).Trim();
            key.ShouldStartWith("gov_");
            if (!OperatingSystem.IsWindows())
            {
                File.GetUnixFileMode(file).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            using var client = service.CreateClient(key);
            using var me = await client.GetAsync("/api/v1/principals/me");
            me.StatusCode.ShouldBe(HttpStatusCode.OK);

            // The banner is printed once the server has started, which may be a moment after it first answers.
            for (var i = 0; i < 100 && !string.Join('\n', service.Output).Contains(file, StringComparison.Ordinal); i++)
            {
                await Task.Delay(50);
            }

            var output = string.Join('\n', service.Output);
            output.ShouldContain(file);
            output.ShouldNotContain(key);
            output.ShouldNotContain(key[4..]);
        }
        finally
        {
            await TestDatabase.DropAsync(connectionString);
            if (Directory.Exists(dataDirectory))
            {
                Directory.Delete(dataDirectory, recursive: true);
            }
        }
    }
}
