using Marten;
using Weasel.Core;
using Weasel.Core.Migrations;
using Weasel.Postgresql;
using Weasel.Postgresql.Functions;
using Weasel.Postgresql.Tables;
using Weasel.Postgresql.Triggers;

namespace Governance.EventLog.Guarantees;

/// <summary>
/// What the log promises beyond Marten, installed through Marten's own schema management so that a migration
/// never drops it: <c>mt_events</c> is append-only in the database, and every event is chained into its stream's
/// hash chain in <c>event_hashes</c> by the database itself.
/// </summary>
/// <remarks>
/// Registered with <c>opts.Storage.Add(...)</c>, which orders it after the event tables (objects added through
/// <c>ExtendedSchemaObjects</c> come first, before <c>mt_events</c> exists). Functions are written in the layout
/// <c>pg_get_functiondef</c> returns and each trigger fires on one operation: otherwise Weasel sees a difference
/// on every start and drops the function with CASCADE, taking the triggers with it.
/// </remarks>
public sealed class LogGuarantees : FeatureSchemaBase
{
    /// <summary>The table of the hash chains.</summary>
    public const string HashTable = "event_hashes";

    /// <summary>The function rejecting changes to stored events and hashes.</summary>
    public const string GuardFunction = "log_append_only";

    /// <summary>The function chaining each new event.</summary>
    public const string ChainFunction = "log_hash_chain";

    /// <summary>The triggers on <c>mt_events</c>: three guards and the chain.</summary>
    public static IReadOnlyList<string> EventTriggers { get; } = ["log_no_update", "log_no_delete", "log_no_truncate", "log_hash_chain"];

    /// <summary>The triggers on <see cref="HashTable"/>.</summary>
    public static IReadOnlyList<string> HashTriggers { get; } = ["log_no_update", "log_no_delete", "log_no_truncate"];

    private readonly string schema;
    private readonly bool allowEmptying;

    internal LogGuarantees(StoreOptions options, bool allowEmptying)
        : base("governance_log_guarantees", options.Advanced.Migrator)
    {
        schema = options.Events.DatabaseSchemaName;
        this.allowEmptying = allowEmptying;
    }

    /// <summary>
    /// The bytes an event's hash covers, as SQL over a row of <c>mt_events</c> named <paramref name="row"/>. The
    /// trigger and the verifier both use this text, so they cannot disagree. <c>data</c> and <c>headers</c> are
    /// PostgreSQL's normalised jsonb text; flags Marten may legitimately change (<c>is_archived</c>) and the .NET
    /// type name (an assembly rename is not tampering) are left out.
    /// </summary>
    internal static string CanonicalBytes(string row) =>
        $"convert_to(concat_ws(chr(31), {row}.id::text, {row}.stream_id, {row}.version::text, {row}.type, {row}.data::text, " +
        $"coalesce({row}.correlation_id, ''), coalesce({row}.causation_id, ''), coalesce({row}.user_name, ''), " +
        $"coalesce({row}.headers::text, ''), to_char({row}.timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')), 'UTF8')";

    /// <summary>Rows Marten inserts that belong to no stream's history: tombstones of failed appends.</summary>
    internal const string TombstoneStream = "mt_tombstone";

    /// <inheritdoc />
    protected override IEnumerable<ISchemaObject> schemaObjects()
    {
        var events = Name("mt_events");
        var hashes = Name(HashTable);

        var table = new Table(hashes);
        table.AddColumn<long>("seq_id").AsPrimaryKey();
        table.AddColumn<string>("stream_id").NotNull();
        table.AddColumn<long>("version").NotNull();
        table.AddColumn("hash", "bytea").NotNull();

        // The appending transaction: the audit feed pages in (tx_id, seq_id) order below the oldest running
        // transaction, so a slow commit can never land behind a page a reader has already seen.
        table.AddColumn("tx_id", "xid8").NotNull();
        table.Indexes.Add(new IndexDefinition("event_hashes_stream_version") { Columns = ["stream_id", "version"], IsUnique = true });
        table.Indexes.Add(new IndexDefinition("event_hashes_commit_order") { Columns = ["tx_id", "seq_id"] });
        yield return table;

        yield return new Function(Name(GuardFunction), GuardSql());
        yield return new Function(Name(ChainFunction), ChainSql());

        foreach (var target in new[] { events, hashes })
        {
            yield return new Trigger(Name("log_no_update"), target, $"{schema}.{GuardFunction}()")
                { Timing = TriggerTiming.Before, Events = TriggerEvents.Update };
            yield return new Trigger(Name("log_no_delete"), target, $"{schema}.{GuardFunction}()")
                { Timing = TriggerTiming.Before, Events = TriggerEvents.Delete };
            yield return new Trigger(Name("log_no_truncate"), target, $"{schema}.{GuardFunction}()")
                { Timing = TriggerTiming.Before, Events = TriggerEvents.Truncate, ForEachRow = false };
        }

        yield return new Trigger(Name("log_hash_chain"), events, $"{schema}.{ChainFunction}()")
            { Timing = TriggerTiming.After, Events = TriggerEvents.Insert };
    }

    private PostgresqlObjectName Name(string name) => new(schema, name, SchemaUtils.IdentifierUsage.General);

    // The one UPDATE Marten issues in normal use is archiving a stream (is_archived set, nothing else changed).
    private string GuardSql()
    {
        var emptying = allowEmptying
            ? $"""
                   IF TG_OP = 'TRUNCATE' THEN
                       IF TG_TABLE_NAME = 'mt_events' THEN
                           TRUNCATE {schema}.{HashTable};
                       END IF;
                       RETURN NULL;
                   END IF;

               """
            : "";
        return $"""
            CREATE OR REPLACE FUNCTION {schema}.{GuardFunction}()
             RETURNS trigger
             LANGUAGE plpgsql
            AS $function$
            BEGIN
                IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'mt_events' THEN
                    IF NEW.is_archived AND (to_jsonb(NEW) - 'is_archived') = (to_jsonb(OLD) - 'is_archived') THEN
                        RETURN NEW;
                    END IF;
                END IF;
            {emptying}    RAISE EXCEPTION '%.% is append-only: % is not allowed', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP
                    USING ERRCODE = '42501';
            END $function$;
            """;
    }

    // One statement per event: the predecessor's hash is read by the INSERT that writes the new one (a separate
    // SELECT INTO cost a second executor run per append). No row read means no predecessor to chain to.
    private string ChainSql() => $"""
        CREATE OR REPLACE FUNCTION {schema}.{ChainFunction}()
         RETURNS trigger
         LANGUAGE plpgsql
        AS $function$
        BEGIN
            IF NEW.stream_id = '{TombstoneStream}' OR NEW.is_archived THEN
                RETURN NULL;
            END IF;
            IF NEW.version > 1 THEN
                INSERT INTO {schema}.{HashTable} (seq_id, stream_id, version, hash, tx_id)
                SELECT NEW.seq_id, NEW.stream_id, NEW.version, sha256(h.hash || {CanonicalBytes("NEW")}), pg_current_xact_id()
                  FROM {schema}.{HashTable} h
                 WHERE h.stream_id = NEW.stream_id AND h.version = NEW.version - 1;
                IF NOT FOUND THEN
                    RAISE EXCEPTION 'stream % has no version % to chain to', NEW.stream_id, NEW.version - 1
                        USING ERRCODE = '23505';
                END IF;
            ELSE
                INSERT INTO {schema}.{HashTable} (seq_id, stream_id, version, hash, tx_id)
                VALUES (NEW.seq_id, NEW.stream_id, NEW.version, sha256({CanonicalBytes("NEW")}), pg_current_xact_id());
            END IF;
            RETURN NULL;
        END $function$;
        """;
}
