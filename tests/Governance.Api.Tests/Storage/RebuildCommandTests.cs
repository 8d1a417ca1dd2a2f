using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Governance.Api.Tests.Harness;
using Governance.Processes;
using Npgsql;

namespace Governance.Api.Tests.Storage;

/// <summary>
/// <c>projections --rebuild</c> as an operator runs it: the built service as its own process, on a stopped service's
/// database or data directory.
/// </summary>
public sealed class RebuildCommandTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private readonly string folder = Path.Combine(Path.GetTempPath(), "governance-rebuild-" + Guid.NewGuid().ToString("N"));
    private string connectionString = "";

    public async Task InitializeAsync() => connectionString = await TestDatabase.CreateAsync();

    public async Task DisposeAsync()
    {
        await TestDatabase.DropAsync(connectionString);
        // A test that failed half-way may leave the embedded server running; stop it before removing its folder.
        var pidFile = Path.Combine(folder, "pg", "postmaster.pid");
        if (File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), CultureInfo.InvariantCulture, out var pid))
        {
            using var stop = Process.Start("kill", ["-INT", pid.ToString(CultureInfo.InvariantCulture)]);
            await stop.WaitForExitAsync();
            for (var i = 0; i < 100 && Directory.Exists($"/proc/{pid}"); i++)
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
    public async Task the_command_rebuilds_the_read_models_and_documents_of_a_stopped_service()
    {
        string key;
        await using (var service = await ServiceProcess.StartAsync(connectionString, CancellationToken.None))
        {
            using var admin = service.CreateClient();
            key = await CreatedKeyAsync(admin, "cli-pat");
            await PostAsync(admin, "/api/v1/models", new { key = "cli-model", name = "CLI model", team = "cli-team", taskType = "ranking" });
            await PostAsync(admin, "/api/v1/datasets/cli-data/versions", new { version = "v1", uri = "s3://cli/v1", digest = "sha256:" + new string('a', 64) });
            await PostAsync(admin, "/api/v1/models/cli-model/versions", new
            {
                version = "1.0.0", artifactUri = "s3://cli/model", digest = "sha256:" + new string('b', 64), trainingDatasets = new[] { "cli-data@v1" },
                codeCommit = "abc1234",
            });
            for (var i = 0; i < 100 && await CountAsync("SELECT count(*) FROM governance.model_docs WHERE key = 'cli-model'") == 0; i++)
            {
                await Task.Delay(100);
            }
        }

        // Read models gone wrong while the service was down.
        await ExecuteAsync("DELETE FROM governance.models; DELETE FROM governance.lineage_edges; DELETE FROM governance.principal_keys WHERE principal = 'cli-pat'; " +
                           "DELETE FROM governance.model_docs");
        var events = await CountAsync("SELECT count(*) FROM governance.mt_events");

        var rebuild = await ServiceProcess.RunToExitAsync(["projections", "--rebuild"], folder, Patience, connectionString);

        rebuild.ExitCode.ShouldBe(0, rebuild.Error + rebuild.Output);
        rebuild.Output.ShouldContain($"Inline read models: {events} events replayed");
        rebuild.Output.ShouldMatch(@"governance\.models +1 row\b");
        rebuild.Output.ShouldMatch(@"ModelDocsProjection +\d+\.\d\d s");
        rebuild.Output.ShouldMatch(@"governance\.model_docs +1 row\b");
        (await CountAsync("SELECT count(*) FROM governance.models WHERE key = 'cli-model'")).ShouldBe(1);
        (await CountAsync("SELECT count(*) FROM governance.lineage_edges")).ShouldBe(1);
        (await CountAsync("SELECT count(*) FROM governance.model_docs WHERE key = 'cli-model' AND NOT stale")).ShouldBe(1);
        (await CountAsync("SELECT count(*) FROM governance.mt_events")).ShouldBe(events, "a rebuild appends nothing");

        await using var restarted = await ServiceProcess.StartAsync(connectionString, CancellationToken.None);
        using var client = restarted.CreateClient(key);
        using var me = await client.GetAsync("/api/v1/principals/me");
        me.StatusCode.ShouldBe(HttpStatusCode.OK, await me.Content.ReadAsStringAsync());
        using var model = await client.GetAsync("/api/v1/models/cli-model");
        model.StatusCode.ShouldBe(HttpStatusCode.OK, await model.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task the_command_is_refused_while_the_service_runs_on_its_data_directory_and_works_once_it_stopped()
    {
        await using (var service = await ServiceProcess.StartEmbeddedAsync(folder, CancellationToken.None))
        {
            var refused = await ServiceProcess.RunToExitAsync(["projections", "--rebuild"], folder, Patience);

            refused.ExitCode.ShouldBe(1, refused.Output);
            var lines = refused.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            lines.Length.ShouldBe(1, refused.Error);
            lines[0].ShouldContain($"is in use by process {service.ProcessId}");
            using var client = service.CreateClient();
            (await client.GetAsync("/health/ready")).StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        var rebuilt = await ServiceProcess.RunToExitAsync(["projections", "--rebuild"], folder, Patience);

        rebuilt.ExitCode.ShouldBe(0, rebuilt.Error + rebuilt.Output);
        rebuilt.Output.ShouldContain("with the service stopped");
        rebuilt.Output.ShouldMatch(@"governance\.principals +1 row\b"); // the bootstrap admin
        rebuilt.Output.ShouldContain("Done in ");
    }

    [Fact]
    public async Task the_verb_without_rebuild_says_how_to_use_it_and_help_lists_it_both_starting_nothing()
    {
        var bare = await ServiceProcess.RunToExitAsync(["projections"], folder, Patience);

        bare.ExitCode.ShouldBe(1);
        bare.Error.Trim().Split('\n').Length.ShouldBe(1, bare.Error);
        bare.Error.ShouldContain("projections --rebuild");
        var help = await ServiceProcess.RunToExitAsync(["--help"], folder, Patience);
        help.ExitCode.ShouldBe(0, help.Error);
        help.Output.ShouldContain("projections --rebuild");
        Directory.Exists(folder).ShouldBeFalse("the command line was refused, yet the data directory was created");
    }

    private static async Task<string> CreatedKeyAsync(HttpClient admin, string name)
    {
        var created = await PostAsync(admin, "/api/v1/principals", new { name, roles = new[] { "viewer" } });
        return created.GetProperty("apiKey").GetString()!;
    }

    private static async Task<JsonElement> PostAsync(HttpClient client, string url, object body)
    {
        using var response = await client.PostAsJsonAsync(url, body);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Created, $"POST {url}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task<long> CountAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync();
    }
}
