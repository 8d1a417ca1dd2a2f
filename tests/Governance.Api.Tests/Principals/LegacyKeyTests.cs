using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Governance.Api.Core.Auth;
using Governance.Api.Principals;
using Governance.Api.Tests.Harness;
using Governance.EventLog;
using Microsoft.Extensions.DependencyInjection;
using NodaTime.Testing;
using Npgsql;

namespace Governance.Api.Tests.Principals;

/// <summary>A database from before keys had ids: its principals keep their keys, which can now be revoked, and its hashes stay hidden.</summary>
public sealed class LegacyKeyTests
{
    private const string OldAdminKey = "gov_old-admin-key-that-was-rotated-away-0000000000";
    private const string PipelineKey = "gov_legacy-pipeline-key-0123456789abcdefghijklmnop";

    [Fact]
    public async Task principals_written_before_key_ids_still_get_in_and_their_keys_can_be_revoked()
    {
        var connectionString = await TestDatabase.CreateAsync();
        try
        {
            await MakeItLookOldAsync(connectionString);
            await using var node = new GovernanceNode(connectionString, new FakeClock(GovernanceApp.Start));
            using var admin = node.Client(GovernanceApp.AdminKey);
            using var pipeline = node.Client(PipelineKey);
            using var oldAdmin = node.Client(OldAdminKey);

            (await pipeline.GetAsync("/api/v1/principals/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
            (await admin.GetAsync("/api/v1/principals/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
            (await oldAdmin.GetAsync("/api/v1/principals/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

            // The id the migration gave the key is the id the service derives from the old event.
            var legacyId = ApiKeys.LegacyKeyId(ApiKeys.HashHex(PipelineKey));
            var view = await admin.GetFromJsonAsync<JsonElement>("/api/v1/principals/legacy-pipe");
            view.GetProperty("keys")[0].GetProperty("keyId").GetString().ShouldBe(legacyId);

            foreach (var stream in new[] { "principal-legacy-pipe", "principal-admin" })
            {
                var body = await admin.GetStringAsync($"/api/v1/streams/{stream}/events");
                body.ShouldNotContain("keyHash");
                foreach (var key in new[] { PipelineKey, OldAdminKey, GovernanceApp.AdminKey })
                {
                    body.ShouldNotContain(ApiKeys.HashHex(key));
                }
            }

            var pipeStream = await admin.GetFromJsonAsync<JsonElement>("/api/v1/streams/principal-legacy-pipe/events");
            pipeStream.GetProperty("events")[0].GetProperty("data").GetProperty("keyId").GetString().ShouldBe(legacyId);
            var verify = await admin.GetFromJsonAsync<JsonElement>("/api/v1/audit/verify");
            verify.GetProperty("verified").GetBoolean().ShouldBeTrue(verify.ToString());

            (await admin.DeleteAsync($"/api/v1/principals/legacy-pipe/keys/{legacyId}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
            (await pipeline.GetAsync("/api/v1/principals/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }
        finally
        {
            await TestDatabase.DropAsync(connectionString);
        }
    }

    [Fact]
    public async Task an_old_principal_event_replayed_into_the_projection_restores_its_key()
    {
        var connectionString = await TestDatabase.CreateAsync();
        try
        {
            await using var node = new GovernanceNode(connectionString, new FakeClock(GovernanceApp.Start));
            _ = node.Server;
            const string key = "gov_imported-principal-key-0123456789abcdefghijklmn";
            var store = node.Services.GetRequiredService<IEventStore>();
            await store.AppendAsync(Principal.StreamId("imported"), Principal.StreamType, ExpectedVersion.NoStream,
                [new PrincipalCreated("imported", ["viewer"], null, "admin", GovernanceApp.Start) { LegacyKeyHash = ApiKeys.HashHex(key) }],
                new EventMetadata("admin"));

            using var client = node.Client(key);
            var me = await client.GetFromJsonAsync<JsonElement>("/api/v1/principals/me");
            me.GetProperty("keys")[0].GetProperty("keyId").GetString().ShouldBe(ApiKeys.LegacyKeyId(ApiKeys.HashHex(key)));
        }
        finally
        {
            await TestDatabase.DropAsync(connectionString);
        }
    }

    // The schema and rows a database had before migration 0020: key hashes on principals and in the events.
    private static async Task MakeItLookOldAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await ExecuteAsync(connection, """
            DROP TABLE governance.principal_keys, governance.api_key_hashes, governance.sessions;
            ALTER TABLE governance.principals ADD COLUMN key_hash bytea NOT NULL UNIQUE;
            DELETE FROM governance.schema_migrations WHERE module = 'api' AND version = 20;
            """);
        await AppendRawAsync(connection, "principal-admin", 1, "principal_created",
            new { name = "admin", roles = new[] { "admin" }, keyHash = ApiKeys.HashHex(OldAdminKey), createdBy = "system:bootstrap", createdAt = "2026-01-05T09:00:00Z" });
        await AppendRawAsync(connection, "principal-admin", 2, "principal_key_rotated",
            new { name = "admin", keyHash = ApiKeys.HashHex(GovernanceApp.AdminKey), rotatedBy = "system:bootstrap", rotatedAt = "2026-02-05T09:00:00Z" });
        await AppendRawAsync(connection, "principal-legacy-pipe", 1, "principal_created",
            new { name = "legacy-pipe", roles = new[] { "contributor" }, keyHash = ApiKeys.HashHex(PipelineKey), createdBy = "admin", createdAt = "2026-01-06T09:00:00Z" });
        await ExecuteAsync(connection, $$"""
            INSERT INTO governance.principals (name, roles, key_hash, created_at, created_by) VALUES
              ('admin', '{admin}', '\x{{ApiKeys.HashHex(GovernanceApp.AdminKey)}}', '2026-01-05T09:00:00Z', 'system:bootstrap'),
              ('legacy-pipe', '{contributor}', '\x{{ApiKeys.HashHex(PipelineKey)}}', '2026-01-06T09:00:00Z', 'admin');
            """);
    }

    private static async Task AppendRawAsync(NpgsqlConnection connection, string stream, int version, string type, object data)
    {
        // As events written before keys had ids sit in the log: straight into Marten's tables (the chain trigger hashes them).
        await using (var head = new NpgsqlCommand("""
            INSERT INTO governance.mt_streams AS s (id, type, version, timestamp, created, tenant_id, is_archived)
            VALUES ($1, 'principal', $2, now(), now(), '*DEFAULT*', false)
            ON CONFLICT (id) DO UPDATE SET version = excluded.version
            """, connection))
        {
            head.Parameters.Add(new() { Value = stream });
            head.Parameters.Add(new() { Value = (long)version });
            await head.ExecuteNonQueryAsync();
        }

        await using var cmd = new NpgsqlCommand("""
            INSERT INTO governance.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type, is_archived, user_name)
            VALUES (nextval('governance.mt_events_sequence'), gen_random_uuid(), $1, $2, $4::jsonb, $3, now(), '*DEFAULT*', null, false, 'system:bootstrap');
            """, connection);
        cmd.Parameters.Add(new() { Value = stream });
        cmd.Parameters.Add(new() { Value = (long)version });
        cmd.Parameters.Add(new() { Value = type });
        cmd.Parameters.Add(new() { Value = JsonSerializer.Serialize(data) });
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync();
    }
}
