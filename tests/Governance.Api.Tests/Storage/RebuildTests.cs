using Governance.Api.Core.Storage;
using Governance.Api.Tests.Harness;
using Governance.EventLog.Projections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Governance.Api.Tests.Storage;

/// <summary>
/// Rebuilding the projections from the log gives back the read models row for row, keeps what commands wrote, and
/// regenerates the documents through Marten.
/// </summary>
public sealed class RebuildTests(RebuildHistoryApp app) : IClassFixture<RebuildHistoryApp>
{
    /// <summary>
    /// Tables no projection owns, and why a rebuild leaves them alone. Every table of the schema is either here, owned by
    /// a projection, or the log's own: a new table must be put in one place or the other.
    /// </summary>
    private static readonly Dictionary<string, string> Kept = new()
    {
        ["governance.api_key_hashes"] = "the secret side of keys: written by the commands, never in an event",
        ["governance.sessions"] = "browser sessions",
        ["governance.idempotency_keys"] = "answers remembered for retries",
        ["governance.secrets"] = "keys derived per database (the audit cursor's)",
        ["governance.slo_measurements"] = "data sent by clients, not events",
        ["governance.slo_buckets"] = "the newest count of each measured bucket, kept at ingestion",
        ["governance.schema_migrations"] = "which migrations ran",
        ["governance.event_hashes"] = "the log's hash chain",
        ["governance.events"] = "the previous store's log, kept read-only after its import",
        ["governance.streams"] = "the previous store's streams, kept read-only after its import",
        ["governance.legacy_import"] = "the record of that import",
        ["governance.wolverine_incoming_envelopes"] = "Wolverine's inbox: messages, not events",
        ["governance.wolverine_outgoing_envelopes"] = "Wolverine's outbox: messages, not events",
        ["governance.wolverine_dead_letters"] = "Wolverine's messages that failed",
        ["governance.wolverine_dead_letter_history"] = "Wolverine's record of replayed dead letters",
        ["governance.wolverine_control_queue"] = "Wolverine's messages between nodes",
        ["governance.webhook_secrets"] = "webhook signing secrets: written by the commands, never in an event",
        ["governance.webhook_deliveries"] = "webhook deliveries: operational records of sending, not events",
        ["governance.webhook_attempts"] = "each attempt at a webhook delivery",
        ["governance.webhook_streams"] = "who is sending a webhook's queue of one stream",
        ["governance.wolverine_nodes"] = "Wolverine's running nodes",
        ["governance.wolverine_node_assignments"] = "which Wolverine node runs which agent",
        ["governance.wolverine_node_records"] = "Wolverine's log of node events",
        ["governance.wolverine_agent_restrictions"] = "Wolverine's pinned or paused agents",
    };

    /// <summary>
    /// Kept tables a running node writes on its own, rebuild or not (heartbeats every 2 s, the node log, agent restarts):
    /// their rows are not compared.
    /// </summary>
    private static readonly HashSet<string> ChangeByThemselves =
    [
        "governance.wolverine_nodes", "governance.wolverine_node_assignments", "governance.wolverine_node_records", "governance.wolverine_control_queue",
    ];

    [Fact]
    public async Task a_rebuild_replays_the_log_into_the_same_rows_and_leaves_the_other_tables_alone()
    {
        await app.EnsureHistoryAsync();
        await app.WaitForNonStaleProjectionsAsync();
        var rebuild = app.Services.GetRequiredService<ReadModelRebuild>();
        var before = await SnapshotAsync();
        foreach (var table in rebuild.Tables)
        {
            before[table].ShouldNotBeEmpty($"the history writes nothing into {table}, so its rebuild proves nothing");
        }

        var report = await rebuild.RunAsync();

        report.Events.ShouldBe(await app.EventCountAsync());
        report.Tables.Select(t => t.Table).ShouldBe(rebuild.Tables);
        foreach (var table in report.Tables)
        {
            table.Rows.ShouldBe(before[table.Table].Count, table.Table);
        }

        await ShouldBeAsBeforeAsync(before);

        // Pages of two events: transactions of several events (a deployment and its promotion, a group commit of new
        // streams) straddle pages and must still be applied as they were appended.
        var paged = new ReadModelRebuild(
            app.Services.GetRequiredService<Governance.EventLog.IEventStore>(), app.Services.GetRequiredService<NpgsqlDataSource>(),
            app.Services.GetServices<IInlineProjection>(), NullLogger<ReadModelRebuild>.Instance) { BatchSize = 2 };
        (await paged.RunAsync()).Events.ShouldBe(report.Events);
        await ShouldBeAsBeforeAsync(before);
    }

    private async Task ShouldBeAsBeforeAsync(Dictionary<string, List<string>> before)
    {
        var after = await SnapshotAsync();
        after.Keys.ShouldBe(before.Keys, ignoreOrder: true);
        foreach (var (table, rows) in before)
        {
            var missing = rows.Except(after[table]).Take(3).ToList();
            var extra = after[table].Except(rows).Take(3).ToList();
            after[table].ShouldBe(rows, $"{table} differs after the rebuild; missing {string.Join(" ", missing)}; extra {string.Join(" ", extra)}");
        }
    }

    [Fact]
    public async Task after_a_rebuild_live_keys_open_the_same_doors_revoked_ones_stay_shut_and_retries_get_their_answer()
    {
        await app.EnsureHistoryAsync();

        await app.Services.GetRequiredService<ReadModelRebuild>().RunAsync();

        var me = await app.Scenario(s => s.Get.Url("/api/v1/principals/me").As(app.LiveKey).StatusCodeShouldBe(200));
        me.Json.GetProperty("roles").EnumerateArray().Select(r => r.GetString()).ShouldBe(["contributor", "approver"], ignoreOrder: true);
        await app.Scenario(s => s.Get.Url("/api/v1/principals/me").As(app.RevokedKey).StatusCodeShouldBe(401));
        await app.Scenario(s => s.Get.Url("/api/v1/principals/me").StatusCodeShouldBe(200)); // the bootstrap admin's
        var retried = await app.Scenario(s => s.Post.Json(new { key = "rb-idem", name = "Idempotent", team = "rb-team", taskType = "ranking" })
            .ToUrl("/api/v1/models").WithHeader("Idempotency-Key", "rb-idem-1").StatusCodeShouldBe(201));
        retried.Header("Idempotent-Replayed").ShouldBe("true");
    }

    [Fact]
    public async Task marten_regenerates_the_documents_and_they_read_the_same()
    {
        await app.EnsureHistoryAsync();
        await app.WaitForNonStaleProjectionsAsync();
        var models = (await QueryAsync("SELECT key FROM governance.models ORDER BY key")).ToList();
        var documents = new Dictionary<string, string>();
        foreach (var model in models)
        {
            documents[model] = (await app.Scenario(s => s.Get.Url($"/api/v1/docs/models/{model}").StatusCodeShouldBe(200))).Body;
        }

        // Documents that look freshly generated (the projection would only mark them stale) and one of no model: a
        // rebuild that did not empty the table first would keep both.
        await app.ExecuteSqlAsync("UPDATE governance.model_docs SET markdown = 'outdated', generated_at = clock_timestamp() + interval '1 hour'; " +
                                  "INSERT INTO governance.model_docs (key, markdown, events) VALUES ('no-such-model', 'ghost', 1)");
        var started = (DateTime)(await ScalarAsync("SELECT clock_timestamp()"))!;
        var rebuilt = await app.Services.GetRequiredService<MartenProjectionRebuild>().RunAsync();

        rebuilt.Select(p => p.Name).ShouldBe(["ModelDocsProjection", "SloStatusProjection", "AlertNoiseProjection"], ignoreOrder: true);
        (await QueryAsync("SELECT key FROM governance.model_docs ORDER BY key")).ShouldBe(models);
        (await QueryAsync("SELECT key FROM governance.model_docs WHERE stale OR markdown = 'outdated' ORDER BY key")).ShouldBeEmpty();
        (await QueryAsync("SELECT key FROM governance.model_docs WHERE generated_at < $1", started)).ShouldBeEmpty();
        foreach (var model in models)
        {
            var events = await ScalarAsync("SELECT count(*)::int FROM governance.log_events WHERE data ->> 'model' = $1 OR stream_id = 'model-' || $1", model);
            (await ScalarAsync("SELECT events FROM governance.model_docs WHERE key = $1", model)).ShouldBe(events, model);
            (await app.Scenario(s => s.Get.Url($"/api/v1/docs/models/{model}").StatusCodeShouldBe(200))).Body.ShouldBe(documents[model], model);
        }
    }

    [Fact]
    public async Task marten_rebuilds_slo_status_and_alert_noise_into_the_rows_the_daemon_wrote()
    {
        await app.EnsureHistoryAsync();
        await app.WaitForSloStatusAsync();
        await app.WaitForAlertNoiseAsync();
        var tables = new[] { "governance.slo_breaches", "governance.alert_noise" };
        var incremental = new Dictionary<string, IReadOnlyList<string>>();
        foreach (var table in tables)
        {
            incremental[table] = await QueryAsync($"SELECT to_jsonb(t)::text FROM {table} t ORDER BY 1");
            incremental[table].ShouldNotBeEmpty($"the history writes nothing into {table}, so its rebuild proves nothing");
        }

        // A row of no event and a changed one: a rebuild that did not empty the tables first would keep them.
        await app.ExecuteSqlAsync("INSERT INTO governance.alert_noise (alert_id, rule, fired_at) VALUES ('alr-ghost', 'ghost', clock_timestamp()); " +
                                  "UPDATE governance.slo_breaches SET long_burn_rate = -1");
        await app.Services.GetRequiredService<MartenProjectionRebuild>().RunAsync();

        foreach (var table in tables)
        {
            (await QueryAsync($"SELECT to_jsonb(t)::text FROM {table} t ORDER BY 1")).ShouldBe(incremental[table], table);
        }

        // The daemon goes on from the end of the log, not from the start, and keeps applying what is appended next.
        var end = await app.EventHighWaterMarkAsync();
        (await QueryAsync("SELECT last_seq_id::text FROM governance.mt_event_progression WHERE name IN ('SloStatusProjection:All', 'AlertNoiseProjection:All')"))
            .Select(long.Parse).ShouldAllBe(progress => progress >= end);
        await app.CreatePrincipalAsync("rb-after-marten-rebuild", GovernanceApp.Role.Viewer);
        await app.WaitForAlertNoiseAsync();
        await app.WaitForSloStatusAsync();
        await app.WaitForNonStaleProjectionsAsync();
    }

    [Fact]
    public async Task a_rebuild_that_cannot_read_the_whole_log_is_refused_and_changes_nothing()
    {
        await app.EnsureHistoryAsync();
        var before = await SnapshotAsync();

        // A transaction left open holds back everything committed after it began: the log cannot be read to its end.
        await using var straggler = new NpgsqlConnection(app.ConnectionString);
        await straggler.OpenAsync();
        await using var open = await straggler.BeginTransactionAsync();
        await using (var xid = new NpgsqlCommand("SELECT pg_current_xact_id()", straggler, open))
        {
            await xid.ExecuteScalarAsync();
        }

        await app.CreatePrincipalAsync("rb-late", GovernanceApp.Role.Viewer);
        var impatient = new ReadModelRebuild(
            app.Services.GetRequiredService<Governance.EventLog.IEventStore>(), app.Services.GetRequiredService<NpgsqlDataSource>(),
            app.Services.GetServices<IInlineProjection>(), NullLogger<ReadModelRebuild>.Instance) { HoldBackTimeout = TimeSpan.FromSeconds(1) };
        var refused = await Should.ThrowAsync<ReadModelRebuildException>(() => impatient.RunAsync());
        refused.Message.ShouldContain("a transaction still open on the database holds the rest back");
        var unchanged = await SnapshotAsync();
        foreach (var table in app.Services.GetRequiredService<ReadModelRebuild>().Tables.Except(["governance.principals", "governance.principal_keys"]))
        {
            unchanged[table].ShouldBe(before[table], table);
        }

        (await QueryAsync("SELECT name FROM governance.principals WHERE name = 'rb-late'")).ShouldBe(["rb-late"]);

        await open.RollbackAsync();
        await app.Services.GetRequiredService<ReadModelRebuild>().RunAsync();
        (await QueryAsync("SELECT name FROM governance.principals WHERE name = 'rb-late'")).ShouldBe(["rb-late"]);
    }

    [Fact]
    public async Task a_previous_stores_log_not_yet_imported_is_not_rebuilt_over()
    {
        await app.EnsureHistoryAsync();
        var before = await SnapshotAsync();
        await app.ExecuteSqlAsync("CREATE TABLE governance.events (seq bigint PRIMARY KEY)");
        try
        {
            var refused = await Should.ThrowAsync<ReadModelRebuildException>(() => app.Services.GetRequiredService<ReadModelRebuild>().RunAsync());
            refused.Message.ShouldStartWith("This database still holds the previous store's log (governance.events), not imported yet");
        }
        finally
        {
            await app.ExecuteSqlAsync("DROP TABLE governance.events");
        }

        await ShouldBeAsBeforeAsync(before);
    }

    [Fact]
    public async Task every_table_is_either_rebuilt_from_the_log_or_kept_on_purpose()
    {
        var owned = app.Services.GetRequiredService<ReadModelRebuild>().Tables.Concat(StorageExtensions.AsyncProjectionTables(app.Services)).ToList();
        owned.ShouldBeUnique();
        owned.Intersect(Kept.Keys).ShouldBeEmpty("a table a rebuild empties cannot also be kept");

        var unclassified = (await QueryAsync(
                "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace " +
                "WHERE n.nspname = 'governance' AND c.relkind IN ('r', 'p') AND c.relname NOT LIKE 'mt\\_%' ORDER BY 1"))
            .Except(owned).Except(Kept.Keys).ToList();
        unclassified.ShouldBeEmpty("each table is rebuilt by a projection (IInlineProjection.Tables) or kept (and listed here with the reason)");
    }

    /// <summary>
    /// Every row of every table but Marten's own and the documents (whose generation time and staleness are the
    /// projection's bookkeeping), as JSON text, sorted. One column is left out: deployment_intervals.id, a sequence that
    /// a replay draws anew (rolled-back appends and concurrent ones burn or interleave numbers); what the queries use it
    /// for, the order of a stage's intervals, is kept as each row's rank within its stage.
    /// </summary>
    private async Task<Dictionary<string, List<string>>> SnapshotAsync()
    {
        var tables = await QueryAsync(
            "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace " +
            "WHERE n.nspname = 'governance' AND c.relkind IN ('r', 'p') AND c.relname NOT LIKE 'mt\\_%' AND c.relname <> 'model_docs' ORDER BY 1");
        var snapshot = new Dictionary<string, List<string>>();
        foreach (var table in tables)
        {
            if (ChangeByThemselves.Contains(table))
            {
                snapshot[table] = [];
                continue;
            }

            var rows = table == "governance.deployment_intervals"
                ? "(to_jsonb(t) - 'id') || jsonb_build_object('rank', row_number() OVER (PARTITION BY model, stage ORDER BY id))"
                : "to_jsonb(t)";
            snapshot[table] = [.. await QueryAsync($"SELECT ({rows})::text FROM {table} t ORDER BY 1")];
        }

        return snapshot;
    }

    private async Task<IReadOnlyList<string>> QueryAsync(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        var rows = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }

    private async Task<object?> ScalarAsync(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return await cmd.ExecuteScalarAsync();
    }
}
