using System.Net;
using System.Text.Json;
using Governance.Api.Tests.Harness;
using Governance.Processes;
using NodaTime;
using NodaTime.Testing;
using Npgsql;

namespace Governance.Api.Tests.Storage;

/// <summary>
/// The service started on a database the previous version wrote: the old log is imported into Marten, the read
/// models are rebuilt from it, and what users recorded is served as before.
/// </summary>
public sealed class UpgradeTests
{
    private static readonly Instant Then = Instant.FromUtc(2025, 3, 4, 10, 30);

    [Fact]
    public async Task a_database_the_previous_version_wrote_is_imported_on_first_start_and_served()
    {
        var database = await TestDatabase.CreateEmptyAsync();
        try
        {
            await WriteAsThePreviousVersionDidAsync(database);

            await using var node = new GovernanceNode(database, new FakeClock(GovernanceApp.Start), runDaemon: true);
            using var client = node.Client(GovernanceApp.AdminKey);

            // The model the previous version recorded, from a read model rebuilt out of the imported log.
            using var model = await client.GetAsync("/api/v1/models/churn-legacy");
            model.StatusCode.ShouldBe(HttpStatusCode.OK, await model.Content.ReadAsStringAsync());
            using (var body = JsonDocument.Parse(await model.Content.ReadAsStringAsync()))
            {
                body.RootElement.GetProperty("name").GetString().ShouldBe("Churn (legacy)");
                body.RootElement.GetProperty("team").GetString().ShouldBe("growth-ml");
            }

            // Its history keeps its actor and time.
            using var feed = await client.GetAsync("/api/v1/audit/events?model=churn-legacy");
            using (var events = JsonDocument.Parse(await feed.Content.ReadAsStringAsync()))
            {
                var first = events.RootElement.GetProperty("events")[0];
                first.GetProperty("type").GetString().ShouldBe("model_registered");
                first.GetProperty("metadata").GetProperty("actor").GetString().ShouldBe("sam");
                first.GetProperty("recordedAt").GetString().ShouldBe("2025-03-04T10:30:00Z");
                first.GetProperty("streamType").GetString().ShouldBe("model");
            }

            using var verify = await client.GetAsync("/api/v1/audit/verify");
            using (var report = JsonDocument.Parse(await verify.Content.ReadAsStringAsync()))
            {
                report.RootElement.GetProperty("verified").GetBoolean().ShouldBeTrue();
            }

            // The old log stays as the record, read-only.
            var refused = await Should.ThrowAsync<PostgresException>(() => ExecuteAsync(database, "DELETE FROM governance.events"));
            refused.MessageText.ShouldContain("imported");
        }
        finally
        {
            await TestDatabase.DropAsync(database);
        }
    }

    [Fact]
    public async Task a_previous_log_that_cannot_be_imported_faithfully_stops_the_service_with_one_sentence_and_nothing_written()
    {
        var database = await TestDatabase.CreateEmptyAsync();
        var folder = Path.Combine(Path.GetTempPath(), "governance-upgrade-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            await WriteAsThePreviousVersionDidAsync(database, type: "model_sketched");

            var run = await ServiceProcess.RunToExitAsync([], folder, TimeSpan.FromMinutes(2), database);

            run.ExitCode.ShouldBe(1, run.Output + run.Error);
            run.Error.ShouldContain("model_sketched");
            run.Error.ShouldNotContain("   at ");
            (await CountAsync(database, "SELECT count(*) FROM governance.mt_events")).ShouldBe(0);
        }
        finally
        {
            await TestDatabase.DropAsync(database);
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private static async Task<long> CountAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    private static async Task WriteAsThePreviousVersionDidAsync(string database, string type = "model_registered")
    {
        await using (var resource = typeof(UpgradeTests).Assembly.GetManifestResourceStream("LegacySchema.sql")!)
        using (var text = new StreamReader(resource))
        {
            await ExecuteAsync(database, await text.ReadToEndAsync());
        }

        // The previous store's row shape: the hash by its trigger, the stream head moved with the last event.
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("""
            WITH e AS (
              INSERT INTO governance.events (id, stream_id, stream_type, version, type, data, metadata, recorded_at)
              VALUES (gen_random_uuid(), 'model-churn-legacy', 'model', 1, $3, $1::jsonb, '{"actor":"sam"}'::jsonb, $2)
              RETURNING hash)
            INSERT INTO governance.streams (id, type, version, last_hash) SELECT 'model-churn-legacy', 'model', 1, hash FROM e
            """, connection);
        cmd.Parameters.Add(new() { Value = """
            {"key":"churn-legacy","name":"Churn (legacy)","description":"Recorded before the log moved onto Marten.",
             "team":"growth-ml","taskType":"classification","stages":["staging","production"],"kpis":[],
             "registeredBy":"sam","registeredAt":"2025-03-04T10:30:00Z"}
            """ });
        cmd.Parameters.Add(new() { Value = Then.ToDateTimeUtc() });
        cmd.Parameters.Add(new() { Value = type });
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task ExecuteAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync();
    }
}
