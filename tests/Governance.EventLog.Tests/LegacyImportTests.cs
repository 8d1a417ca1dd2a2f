using System.Diagnostics;
using Governance.EventLog.Guarantees;
using Governance.EventLog.Import;
using Governance.EventLog.Tests.Import;
using Governance.EventLog.Tests.Infrastructure;
using Marten;
using Marten.Events.Archiving;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodaTime;
using NodaTime.Testing;
using Npgsql;
using NpgsqlTypes;
using Xunit.Abstractions;

namespace Governance.EventLog.Tests;

/// <summary>A database the previous store wrote, imported once into the event log by <see cref="LegacyEventImport"/>.</summary>
public sealed class ImportedLogFixture : IAsyncLifetime
{
    /// <summary>The service clock of the new log: far from the history's times, so a restamped event would show.</summary>
    public FakeClock Clock { get; } = new(LogFixture.ClockStart);

    public ListLogger<LegacyEventImport> Logger { get; } = new();

    public TestLog Log { get; private set; } = null!;

    public LegacyImportResult? Result { get; private set; }

    public int Written { get; private set; }

    /// <summary>The streams the previous store had archived (by hand: the old code never did).</summary>
    public const string ArchivedStream = "model-9";

    public async Task InitializeAsync()
    {
        var connectionString = await TestCluster.CreateDatabaseAsync("legacy");
        await LegacyStore.CreateSchemaAsync(connectionString);
        Written = await LegacyHistory.WriteAsync(new LegacyStore(connectionString, new EventTypeRegistry().RegisterLegacyEvents()));
        await Sql.ExecuteAsync(connectionString, $"UPDATE governance.streams SET archived = true WHERE id = '{ArchivedStream}'");

        Log = await TestLog.StartAsync(connectionString, Clock, o => o.Registry.RegisterLegacyEvents());
        Result = await new LegacyEventImport(Log.Options, Log.DataSource, Logger).ImportIfPresentAsync();
    }

    public async Task DisposeAsync() => await Log.DisposeAsync();
}

/// <summary>
/// On the first start of this version, the previous store's log is copied into Marten: every event with its id,
/// stream, version, name, body, metadata and time, in commit order, and the old tables are left read-only.
/// </summary>
public sealed class LegacyImportTests(ImportedLogFixture fixture, ITestOutputHelper output) : IClassFixture<ImportedLogFixture>
{
    private readonly TestLog log = fixture.Log;

    private const string OldEvents = """
        SELECT id, stream_id, version::bigint, type, data::text, metadata->>'actor', metadata->>'correlationId',
               metadata->>'causationId', metadata->>'traceId', metadata->'headers'->>'userAgent', metadata->'headers'->>'remoteIp',
               recorded_at
        FROM governance.events ORDER BY tx_id, seq
        """;

    private const string NewEvents = """
        SELECT id, stream_id, version, type, data::text, user_name, correlation_id,
               causation_id, headers->>'traceId', headers->>'userAgent', headers->>'remoteIp',
               timestamp
        FROM governance.mt_events WHERE stream_id <> 'mt_tombstone' ORDER BY seq_id
        """;

    [Fact]
    public async Task every_old_event_is_in_the_log_with_its_id_stream_version_name_body_metadata_and_time()
    {
        var old = await Sql.RowsAsync(log.ConnectionString, OldEvents);
        var imported = (await Sql.RowsAsync(log.ConnectionString, NewEvents)).ToDictionary(r => (Guid)r[0]!);

        old.Count.ShouldBe(fixture.Written);
        old.Count.ShouldBeGreaterThan(250);
        imported.Count.ShouldBe(old.Count);
        foreach (var row in old)
        {
            // data::text is PostgreSQL's normal form of the jsonb, so equal text is equal jsonb.
            imported[(Guid)row[0]!].ShouldBe(row, $"event {row[1]} v{row[2]}");
        }

        // The history has every kind of metadata and body; make sure the comparison saw them.
        old.ShouldContain(r => r[6] == null && r[8] == null && r[9] == null);
        old.ShouldContain(r => r[6] != null && r[7] != null && r[8] != null && r[9] != null);
        old.ShouldContain(r => ((string)r[4]!).Contains("Prédit", StringComparison.Ordinal));
    }

    [Fact]
    public async Task imported_times_are_the_recorded_times_to_the_microsecond_not_the_service_clock()
    {
        var times = await Sql.RowsAsync(log.ConnectionString,
            "SELECT o.recorded_at, n.timestamp FROM governance.events o JOIN governance.mt_events n ON n.id = o.id");

        times.ShouldNotBeEmpty();
        times.ShouldAllBe(t => (DateTime)t[0]! == (DateTime)t[1]!);
        times.ShouldContain(t => ((DateTime)t[0]!).Ticks % TimeSpan.TicksPerMillisecond != 0);
        times.ShouldAllBe(t => ((DateTime)t[1]!).Year == 2024);
    }

    [Fact]
    public async Task bodies_read_back_through_marten_serialize_to_the_old_bodies()
    {
        var readBack = new List<string>();
        var ids = new List<Guid>();
        await using (var query = log.Store.QuerySession())
        {
            // MaybeArchived: the stream the old store had archived is read too.
            foreach (var e in await query.Events.QueryAllRawEvents().Where(e => e.MaybeArchived()).ToListAsync())
            {
                readBack.Add(log.Store.Options.Serializer().ToJson(e.Data));
                ids.Add(e.Id);
            }
        }

        await using var connection = new NpgsqlConnection(log.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("""
            SELECT count(*) FILTER (WHERE o.data = t.body), count(*)
            FROM unnest($1::uuid[], $2::jsonb[]) AS t(id, body) JOIN governance.events o ON o.id = t.id
            """, connection);
        cmd.Parameters.Add(new() { Value = ids.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        cmd.Parameters.Add(new() { Value = readBack.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        await using var reader = await cmd.ExecuteReaderAsync();
        await reader.ReadAsync();
        reader.GetInt64(1).ShouldBe(fixture.Written);
        reader.GetInt64(0).ShouldBe(fixture.Written);
    }

    [Fact]
    public async Task the_log_holds_the_events_in_the_old_commit_order()
    {
        var byCommit = (await Sql.RowsAsync(log.ConnectionString, "SELECT id FROM governance.events ORDER BY tx_id, seq")).Select(r => (Guid)r[0]!).ToList();
        var bySeq = (await Sql.RowsAsync(log.ConnectionString, "SELECT id FROM governance.events ORDER BY seq")).Select(r => (Guid)r[0]!).ToList();
        var inLog = (await Sql.RowsAsync(log.ConnectionString, "SELECT id FROM governance.mt_events WHERE stream_id <> 'mt_tombstone' ORDER BY seq_id"))
            .Select(r => (Guid)r[0]!).ToList();

        bySeq.ShouldNotBe(byCommit, "the history must have overlapping transactions, or this test proves nothing");
        inLog.ShouldBe(byCommit);
    }

    [Fact]
    public async Task streams_keep_their_old_types_versions_and_archived_flag()
    {
        var old = await Sql.RowsAsync(log.ConnectionString, "SELECT id, type, version::bigint, archived FROM governance.streams ORDER BY id");
        var imported = await Sql.RowsAsync(log.ConnectionString,
            "SELECT id, type, version, is_archived FROM governance.mt_streams WHERE id <> 'mt_tombstone' ORDER BY id");

        imported.ShouldBe(old);
        old.Count.ShouldBe(30);
        old.Select(r => (string)r[1]!).Distinct().Order().ShouldBe(["deployment", "evaluation", "model"]);
        old.Single(r => (bool)r[3]!)[0].ShouldBe(ImportedLogFixture.ArchivedStream);
        (await log.ScalarAsync<long>($"SELECT count(*) FROM governance.mt_events WHERE stream_id = '{ImportedLogFixture.ArchivedStream}' AND NOT is_archived"))
            .ShouldBe(0);
    }

    [Fact]
    public void the_result_and_one_log_line_give_the_counts_compared()
    {
        var result = fixture.Result.ShouldNotBeNull();
        result.Events.ShouldBe(fixture.Written);
        result.Streams.ShouldBe(30);
        result.StreamsByType.ShouldBe(new Dictionary<string, long> { ["deployment"] = 8, ["evaluation"] = 12, ["model"] = 10 });
        result.LastSequence.ShouldBe(result.FirstSequence + fixture.Written - 1);
        result.BrokenLegacyChains.ShouldBeEmpty();

        var line = fixture.Logger.Entries.ShouldHaveSingleItem();
        output.WriteLine(line.Message);
        line.Level.ShouldBe(LogLevel.Information);
        line.Message.ShouldContain($"{fixture.Written} events in 30 streams (deployment: 8, evaluation: 12, model: 10)");
        line.Message.ShouldContain($"events {fixture.Written} old = {fixture.Written} new, streams 30 old = 30 new");
        line.Message.ShouldContain("governance.events and governance.streams are now read-only");
    }

    [Fact]
    public async Task the_new_hash_chains_verify()
    {
        var report = await new HashChainVerifier(log.DataSource).VerifyAsync();

        report.Broken.ShouldBeEmpty();
        report.Verified.ShouldBeTrue();
        report.Events.ShouldBe(fixture.Written);
        report.Streams.ShouldBe(30);
        // The archived stream was archived after its events went in, so they are chained like every other.
        (await log.ScalarAsync<long>("SELECT count(*) FROM governance.event_hashes")).ShouldBe(fixture.Written);
    }

    [Fact]
    public async Task a_second_start_imports_nothing()
    {
        var logger = new ListLogger<LegacyEventImport>();

        var again = await new LegacyEventImport(log.Options, log.DataSource, logger).ImportIfPresentAsync();

        again.ShouldBeNull();
        logger.Entries.ShouldBeEmpty();
        (await log.ScalarAsync<long>("SELECT count(*) FROM governance.mt_events WHERE stream_id <> 'mt_tombstone'")).ShouldBe(fixture.Written);
        var record = (await Sql.RowsAsync(log.ConnectionString, "SELECT events, streams, cardinality(broken_legacy_chains) FROM governance.legacy_import")).ShouldHaveSingleItem();
        record.ShouldBe([(long)fixture.Written, 30L, 0]);
    }

    [Theory]
    [InlineData("INSERT", "INSERT INTO governance.events (id, stream_id, stream_type, version, type, data, metadata, hash) VALUES (gen_random_uuid(), 'model-x', 'model', 1, 'model_reviewed', '{}', '{}', '\\x00')")]
    [InlineData("UPDATE", "UPDATE governance.events SET data = '{}' WHERE version = 1")]
    [InlineData("DELETE", "DELETE FROM governance.events WHERE version = 1")]
    [InlineData("TRUNCATE", "TRUNCATE governance.events")]
    public async Task the_old_log_refuses_every_write_saying_it_was_imported(string operation, string sql)
    {
        var refused = await Should.ThrowAsync<PostgresException>(() => log.ExecuteAsync(sql));

        refused.SqlState.ShouldBe("42501");
        refused.MessageText.ShouldBe($"governance.events was imported into governance.mt_events and is kept read-only: {operation} is not allowed");
        (await log.ScalarAsync<long>("SELECT count(*) FROM governance.events")).ShouldBe(fixture.Written);
    }

    [Fact]
    public async Task the_old_streams_table_refuses_writes_too()
    {
        var refused = await Should.ThrowAsync<PostgresException>(() => log.ExecuteAsync("UPDATE governance.streams SET archived = false"));

        refused.MessageText.ShouldBe("governance.streams was imported into governance.mt_events and is kept read-only: UPDATE is not allowed");
    }
}

/// <summary>Named by the old store only (the new registry learns the names in the test).</summary>
public sealed record StrayRenamed(string Name);

/// <summary>What the import refuses, and the starts with nothing to import.</summary>
public sealed class LegacyImportRefusalTests(ITestOutputHelper output)
{
    private static async Task<(LegacyStore Store, string ConnectionString)> OldDatabaseAsync(Action<EventTypeRegistry>? register = null)
    {
        var connectionString = await TestCluster.CreateDatabaseAsync("legacy");
        await LegacyStore.CreateSchemaAsync(connectionString);
        var registry = new EventTypeRegistry().RegisterLegacyEvents();
        register?.Invoke(registry);
        return (new LegacyStore(connectionString, registry), connectionString);
    }

    private static Task<TestLog> NewLogAsync(string connectionString, Action<EventTypeRegistry>? register = null) =>
        TestLog.StartAsync(connectionString, new FakeClock(LogFixture.ClockStart), o =>
        {
            o.Registry.RegisterLegacyEvents();
            register?.Invoke(o.Registry);
        });

    private static LegacyEventImport Import(TestLog log, ListLogger<LegacyEventImport>? logger = null, bool acceptBrokenLegacyChains = false) =>
        new(log.Options, log.DataSource, logger ?? new ListLogger<LegacyEventImport>(), acceptBrokenLegacyChains);

    private static async Task ShouldHaveImportedNothingAsync(TestLog log)
    {
        (await log.ScalarAsync<long>("SELECT count(*) FROM governance.mt_events WHERE stream_id <> 'mt_tombstone'")).ShouldBe(0);
        (await log.ScalarAsync<long>("SELECT count(*) FROM governance.mt_streams WHERE id <> 'mt_tombstone'")).ShouldBe(0);
        (await log.ScalarAsync<long>("SELECT count(*) FROM governance.event_hashes")).ShouldBe(0);
        (await log.ScalarAsync<bool>("SELECT to_regclass('governance.legacy_import') IS NULL")).ShouldBeTrue();
        (await log.ScalarAsync<long>("SELECT count(*) FROM pg_trigger WHERE tgname = 'events_imported_read_only'")).ShouldBe(0);
    }

    private static readonly LegacyMetadata Meta = new("ana", "corr-1");

    private static readonly Instant At = LegacyHistory.Start;

    [Fact]
    public async Task event_names_no_registered_type_knows_refuse_the_import_naming_them_and_nothing_is_imported()
    {
        var (store, connectionString) = await OldDatabaseAsync(r => r.Register<Stray>("stray_happened").Register<StrayRenamed>("gone_away"));
        await LegacyHistory.WriteAsync(store, transactions: 30);
        await store.AppendAsync(Meta, At, new LegacyAppend("stray-1", "stray", new Stray("a"), new Stray("b"), new StrayRenamed("c")));
        await using var log = await NewLogAsync(connectionString);

        var refused = await Should.ThrowAsync<LegacyImportRefusedException>(() => Import(log).ImportIfPresentAsync());

        output.WriteLine(refused.Message);
        refused.Message.ShouldBe(
            "The previous store's events in governance.events were not imported: no registered event type has the name " +
            "'gone_away' (1 event), 'stray_happened' (2 events). Register a type under each of these names " +
            "(registry.Register<T>(\"name\")) and start again. Nothing was imported and governance.events is unchanged.");
        await ShouldHaveImportedNothingAsync(log);

        // Once the names are registered, the same database imports.
        await using var fixedLog = await NewLogAsync(connectionString, r => r.Register<Stray>("stray_happened").Register<StrayRenamed>("gone_away"));
        var result = (await Import(fixedLog).ImportIfPresentAsync()).ShouldNotBeNull();
        result.StreamsByType["stray"].ShouldBe(1);
    }

    [Fact]
    public async Task a_database_without_the_old_log_has_nothing_to_import_and_gets_no_record()
    {
        await using var log = await NewLogAsync(await TestCluster.CreateDatabaseAsync("fresh"));
        var logger = new ListLogger<LegacyEventImport>();

        (await Import(log, logger).ImportIfPresentAsync()).ShouldBeNull();
        (await Import(log, logger).ImportIfPresentAsync()).ShouldBeNull();

        logger.Entries.ShouldBeEmpty();
        (await log.ScalarAsync<bool>("SELECT to_regclass('governance.legacy_import') IS NULL")).ShouldBeTrue();
    }

    [Fact]
    public async Task an_empty_old_log_has_nothing_to_import_is_made_read_only_and_a_second_start_is_quiet()
    {
        var (_, connectionString) = await OldDatabaseAsync();
        await using var log = await NewLogAsync(connectionString);
        var logger = new ListLogger<LegacyEventImport>();

        (await Import(log, logger).ImportIfPresentAsync()).ShouldBeNull();
        (await Import(log, logger).ImportIfPresentAsync()).ShouldBeNull();

        logger.Entries.ShouldHaveSingleItem().Message.ShouldBe("The previous store's log (governance.events) is empty: nothing to import; it is now read-only");
        (await Sql.RowsAsync(connectionString, "SELECT events, streams, first_seq_id FROM governance.legacy_import")).ShouldHaveSingleItem()
            .ShouldBe([0L, 0L, null]);
        (await Should.ThrowAsync<PostgresException>(() => log.ExecuteAsync("TRUNCATE governance.events"))).SqlState.ShouldBe("42501");
    }

    [Fact]
    public async Task a_failure_half_way_leaves_nothing_behind_and_the_next_start_imports_everything()
    {
        var (store, connectionString) = await OldDatabaseAsync();
        var written = await LegacyHistory.WriteAsync(store);
        await using var log = await NewLogAsync(connectionString);

        // The process dies (here: the database refuses) at the 200th event, after several rounds of sessions went in.
        var doomed = await log.ScalarAsync<Guid>("SELECT id FROM governance.events ORDER BY tx_id, seq OFFSET 199 LIMIT 1");
        await log.ExecuteAsync($"""
            CREATE FUNCTION governance.test_crash() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.id = '{doomed}' THEN RAISE EXCEPTION 'the import crashed'; END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER test_crash BEFORE INSERT ON governance.mt_events FOR EACH ROW EXECUTE FUNCTION governance.test_crash();
            """);
        var import = new LegacyEventImport(log.Options, log.DataSource, new ListLogger<LegacyEventImport>()) { PageSize = 40 };

        var crash = await Should.ThrowAsync<Exception>(() => import.ImportIfPresentAsync());

        crash.ToString().ShouldContain("the import crashed");
        await ShouldHaveImportedNothingAsync(log);
        await log.ExecuteAsync("DROP TRIGGER test_crash ON governance.mt_events");

        var result = (await import.ImportIfPresentAsync()).ShouldNotBeNull();

        result.Events.ShouldBe(written);
        (await new HashChainVerifier(log.DataSource).VerifyAsync()).Verified.ShouldBeTrue();
    }

    [Fact]
    public async Task an_old_chain_that_does_not_verify_refuses_the_import_unless_accepted()
    {
        var (store, connectionString) = await OldDatabaseAsync();
        var written = await LegacyHistory.WriteAsync(store, transactions: 40);
        await Sql.ExecuteAsync(connectionString, """
            ALTER TABLE governance.events DISABLE TRIGGER events_append_only;
            UPDATE governance.events SET data = jsonb_set(data, '{name}', '"forged"') WHERE stream_id = 'model-3' AND version = 1;
            ALTER TABLE governance.events ENABLE TRIGGER events_append_only;
            """);
        await using var log = await NewLogAsync(connectionString);

        var refused = await Should.ThrowAsync<LegacyImportRefusedException>(() => Import(log).ImportIfPresentAsync());

        output.WriteLine(refused.Message);
        refused.Message.ShouldStartWith(
            "The previous store's events in governance.events were not imported: the hash chains of 1 stream do not verify (model-3), " +
            "so events were changed or removed behind the previous store's back");
        await ShouldHaveImportedNothingAsync(log);

        var logger = new ListLogger<LegacyEventImport>();
        var result = (await Import(log, logger, acceptBrokenLegacyChains: true).ImportIfPresentAsync()).ShouldNotBeNull();

        result.Events.ShouldBe(written);
        result.BrokenLegacyChains.ShouldBe(["model-3"]);
        logger.Entries.ShouldContain(e => e.Level == LogLevel.Warning && e.Message.Contains("1 streams did not verify", StringComparison.Ordinal) && e.Message.EndsWith(": model-3", StringComparison.Ordinal));
        (await log.ScalarAsync<string[]>("SELECT broken_legacy_chains FROM governance.legacy_import")).ShouldBe(["model-3"]);
        (await log.ScalarAsync<string>("SELECT data->>'name' FROM governance.mt_events WHERE stream_id = 'model-3' AND version = 1")).ShouldBe("forged");
    }

    [Fact]
    public async Task a_stream_whose_versions_jump_in_commit_order_refuses_the_import()
    {
        var (store, connectionString) = await OldDatabaseAsync();
        await LegacyHistory.WriteAsync(store, transactions: 20);
        await Sql.ExecuteAsync(connectionString, """
            ALTER TABLE governance.events DISABLE TRIGGER events_chain;
            INSERT INTO governance.events (id, stream_id, stream_type, version, type, data, metadata, hash)
            VALUES (gen_random_uuid(), 'model-1', 'model', 70, 'model_reviewed', '{"name": "x", "verdict": "approved", "took": "PT1M"}', '{"actor": "ana"}', '\x00');
            ALTER TABLE governance.events ENABLE TRIGGER events_chain;
            """);
        await using var log = await NewLogAsync(connectionString);

        var refused = await Should.ThrowAsync<LegacyImportRefusedException>(() => Import(log, acceptBrokenLegacyChains: true).ImportIfPresentAsync());

        refused.Message.ShouldMatch(@"^The previous store's events in governance\.events were not imported: in its commit order, stream 'model-1' goes from version \d+ to version 70, so its events cannot be appended in that order\. Nothing was imported\.$");
        await ShouldHaveImportedNothingAsync(log);
    }

    [Fact]
    public async Task an_old_body_the_registered_type_would_not_write_back_identically_refuses_the_import()
    {
        var (store, connectionString) = await OldDatabaseAsync();
        await LegacyHistory.WriteAsync(store, transactions: 20);
        await using (var tx = await store.BeginAsync())
        {
            // A field the type no longer has: the import would drop it, and the log would not be what was recorded.
            await tx.AppendRawAsync(Meta, At, ("model-2", "model",
                [("model_reviewed", """{"name": "churn-2", "verdict": "approved", "took": "PT5M", "reviewer": "zoe"}""")]));
            await tx.CommitAsync();
        }

        await using var log = await NewLogAsync(connectionString);

        var refused = await Should.ThrowAsync<LegacyImportRefusedException>(() => Import(log).ImportIfPresentAsync());

        output.WriteLine(refused.Message);
        refused.Message.ShouldMatch(
            @"^The previous store's events in governance\.events were not imported: 1 events would not be what the previous store recorded: " +
            @"'model_reviewed' has another body \(first: stream 'model-2' version \d+\)\. A body changes when its registered type does not read " +
            @"and write back every field the old body has: give the type those fields\. Nothing was imported\.$");
        await ShouldHaveImportedNothingAsync(log);
    }

    [Fact]
    public async Task a_body_the_registered_type_cannot_read_refuses_the_import_naming_the_event()
    {
        var (store, connectionString) = await OldDatabaseAsync();
        await using (var tx = await store.BeginAsync())
        {
            await tx.AppendRawAsync(Meta, At, ("model-1", "model", [("model_reviewed", """{"name": "churn-1", "verdict": "maybe", "took": "PT5M"}""")]));
            await tx.CommitAsync();
        }

        await using var log = await NewLogAsync(connectionString);

        var refused = await Should.ThrowAsync<LegacyImportRefusedException>(() => Import(log).ImportIfPresentAsync());

        output.WriteLine(refused.Message);
        refused.Message.ShouldStartWith(
            "The previous store's events in governance.events were not imported: the body of 'model_reviewed' at stream 'model-1' version 1 cannot be read as that event (");
        await ShouldHaveImportedNothingAsync(log);
    }

    [Fact]
    public async Task a_log_that_already_holds_events_refuses_the_import()
    {
        var (store, connectionString) = await OldDatabaseAsync();
        await LegacyHistory.WriteAsync(store, transactions: 12);
        await using var log = await NewLogAsync(connectionString);
        await log.StartStreamAsync("thing-new", new ThingCreated("written by the new version first"));

        var refused = await Should.ThrowAsync<LegacyImportRefusedException>(() => Import(log).ImportIfPresentAsync());

        refused.Message.ShouldStartWith(
            "The previous store's events in governance.events were not imported: the event log already holds 1 events, and the old events cannot be put before them.");
        (await log.ScalarAsync<long>("SELECT count(*) FROM governance.mt_events WHERE stream_id <> 'mt_tombstone'")).ShouldBe(1);
    }

    [Fact]
    public async Task nodes_starting_together_import_once()
    {
        var (store, connectionString) = await OldDatabaseAsync();
        var written = await LegacyHistory.WriteAsync(store, transactions: 60);
        await using var log = await NewLogAsync(connectionString);

        var clock = Stopwatch.StartNew();
        var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => Import(log).ImportIfPresentAsync())));
        output.WriteLine($"three imports together: {clock.ElapsedMilliseconds} ms");

        results.Count(r => r is not null).ShouldBe(1);
        results.Single(r => r is not null)!.Events.ShouldBe(written);
        (await log.ScalarAsync<long>("SELECT count(*) FROM governance.mt_events WHERE stream_id <> 'mt_tombstone'")).ShouldBe(written);
        (await log.ScalarAsync<long>("SELECT count(*) FROM governance.legacy_import")).ShouldBe(1);
    }

    [Fact]
    public async Task thousands_of_events_import_in_seconds()
    {
        var (store, connectionString) = await OldDatabaseAsync();
        var written = 0;
        var now = LegacyHistory.Start;
        for (var tx = 0; tx < 1_000; tx++)
        {
            // Mostly new streams of a few events, and appends to a few long streams in between, as the service writes.
            now += Duration.FromMilliseconds(250);
            var appends = tx % 3 == 0
                ? new[] { new LegacyAppend($"model-{tx % 7}", "model", new ModelReviewed("m", Verdict.Approved, Duration.FromMinutes(tx))) }
                : [new LegacyAppend($"evaluation-{tx}", "evaluation",
                    new EvaluationRecorded("m", 1, [new SliceScore("all", 0.5, true)], 0.5m, now),
                    new EvaluationRecorded("m", 2, [new SliceScore("all", 0.6, true)], 0.6m, now),
                    new EvaluationRecorded("m", 3, [new SliceScore("all", 0.7, true)], 0.7m, now),
                    new EvaluationRecorded("m", 4, [new SliceScore("all", 0.8, true)], 0.8m, now))];
            await store.AppendAsync(LegacyHistory.Meta(tx), now, appends);
            written += appends.Sum(a => a.Events.Length);
        }

        await using var log = await NewLogAsync(connectionString);
        var clock = Stopwatch.StartNew();

        var result = (await Import(log).ImportIfPresentAsync()).ShouldNotBeNull();

        output.WriteLine($"{result.Events} events in {result.Streams} streams imported in {clock.ElapsedMilliseconds} ms");
        result.Events.ShouldBe(written);
        written.ShouldBeGreaterThan(2_500);
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(20));
        (await new HashChainVerifier(log.DataSource).VerifyAsync()).Verified.ShouldBeTrue();
    }

    [Fact]
    public async Task the_service_container_offers_the_import_on_the_log()
    {
        var (store, connectionString) = await OldDatabaseAsync();
        await LegacyHistory.WriteAsync(store, transactions: 12);
        await using (await NewLogAsync(connectionString))
        {
            // Schema applied by a first start, as the service's own start does before it imports.
        }

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddGovernanceEventLog((_, options) =>
        {
            options.ConnectionString = connectionString;
            options.Registry.RegisterTestEvents().RegisterLegacyEvents();
        });
        builder.Services.AddLegacyEventImport();
        using var host = builder.Build();

        var result = await host.Services.GetRequiredService<LegacyEventImport>().ImportIfPresentAsync();

        result.ShouldNotBeNull().StreamsByType.Keys.ShouldBe(["deployment", "model"]);
    }
}
