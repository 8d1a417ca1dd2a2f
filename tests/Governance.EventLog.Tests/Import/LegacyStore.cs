using System.Text.Json;
using System.Text.Json.Serialization;
using Governance.EventLog.Tests.Infrastructure;
using NodaTime;
using NodaTime.Text;
using Npgsql;
using NpgsqlTypes;

namespace Governance.EventLog.Tests.Import;

/// <summary>The previous store's metadata JSON: <c>{actor, correlationId, causationId, traceId, headers}</c>.</summary>
public sealed record LegacyMetadata(
    string Actor,
    string? CorrelationId = null,
    string? CausationId = null,
    string? TraceId = null,
    IReadOnlyDictionary<string, string>? Headers = null);

/// <summary>Events for one stream inside one of the previous store's transactions.</summary>
public sealed record LegacyAppend(string StreamId, string StreamType, params object[] Events);

/// <summary>
/// Writes <c>governance.events</c> the way <c>PostgresEventStore</c> did (its SQL and JSON copied here, since that
/// project is being deleted): one transaction per unit of work, streams in id order, the expected version checked by
/// <c>lock_stream</c>, the stream head moved by the last event's statement, the hash computed by the old trigger.
/// </summary>
public sealed class LegacyStore(string connectionString, EventTypeRegistry registry)
{
    private const string InsertEvent =
        "INSERT INTO governance.events (id, stream_id, stream_type, version, type, data, metadata, recorded_at) " +
        "VALUES ($1, $2, $3, $4, $5, $6, $7, coalesce($8, clock_timestamp())) RETURNING seq, tx_id, recorded_at, hash";

    private const string InsertLastEvent =
        "WITH inserted AS (" + InsertEvent + "), " +
        "head AS (INSERT INTO governance.streams AS s (id, type, version, last_hash) SELECT $2, $3, $4, hash FROM inserted " +
        "ON CONFLICT (id) DO UPDATE SET version = excluded.version, last_hash = excluded.last_hash, updated_at = clock_timestamp()) " +
        "SELECT seq, tx_id, recorded_at, hash FROM inserted";

    private readonly Dictionary<string, int> versions = new(StringComparer.Ordinal);

    public string ConnectionString { get; } = connectionString;

    /// <summary>The old store's names of the events it writes.</summary>
    public EventTypeRegistry Registry { get; } = registry;

    /// <summary>Creates the previous store's schema (its two migrations) in an empty database.</summary>
    public static async Task CreateSchemaAsync(string connectionString)
    {
        await using var resource = typeof(LegacyStore).Assembly.GetManifestResourceStream("LegacySchema.sql")!;
        using var text = new StreamReader(resource);
        await Sql.ExecuteAsync(connectionString, await text.ReadToEndAsync());
    }

    /// <summary>One unit of work in its own transaction.</summary>
    public async Task AppendAsync(LegacyMetadata metadata, Instant recordedAt, params LegacyAppend[] appends)
    {
        await using var tx = await BeginAsync();
        await tx.AppendAsync(metadata, recordedAt, appends);
        await tx.CommitAsync();
    }

    /// <summary>A transaction left open, for histories where transactions overlap.</summary>
    public async Task<LegacyTransaction> BeginAsync()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return new LegacyTransaction(this, connection, await connection.BeginTransactionAsync());
    }

    public sealed class LegacyTransaction(LegacyStore store, NpgsqlConnection connection, NpgsqlTransaction tx) : IAsyncDisposable
    {
        public async Task AppendAsync(LegacyMetadata metadata, Instant recordedAt, params LegacyAppend[] appends) =>
            await AppendRawAsync(metadata, recordedAt, appends
                .Select(a => (a.StreamId, a.StreamType, (IReadOnlyList<(string, string)>)a.Events
                    .Select(e => (store.Registry.NameOf(e.GetType()), JsonSerializer.Serialize(e, e.GetType(), LegacyJson.Options))).ToList()))
                .ToArray());

        /// <summary>Appends events given by stored name and JSON body, as the old store's serializer would have produced them.</summary>
        public async Task AppendRawAsync(LegacyMetadata metadata, Instant recordedAt, params (string StreamId, string StreamType, IReadOnlyList<(string Type, string Json)> Events)[] appends)
        {
            var json = JsonSerializer.Serialize(metadata, LegacyJson.Options);
            await using var batch = new NpgsqlBatch(connection, tx);
            foreach (var append in appends.OrderBy(a => a.StreamId, StringComparer.Ordinal))
            {
                var version = store.versions.GetValueOrDefault(append.StreamId);
                if (version > 0)
                {
                    var check = new NpgsqlBatchCommand("SELECT governance.lock_stream($1, $2)");
                    check.Parameters.Add(new() { Value = append.StreamId });
                    check.Parameters.Add(new() { Value = version });
                    batch.BatchCommands.Add(check);
                }

                for (var i = 0; i < append.Events.Count; i++)
                {
                    version++;
                    var insert = new NpgsqlBatchCommand(i < append.Events.Count - 1 ? InsertEvent : InsertLastEvent);
                    insert.Parameters.Add(new() { Value = Guid.CreateVersion7() });
                    insert.Parameters.Add(new() { Value = append.StreamId });
                    insert.Parameters.Add(new() { Value = append.StreamType });
                    insert.Parameters.Add(new() { Value = version });
                    insert.Parameters.Add(new() { Value = append.Events[i].Type });
                    insert.Parameters.Add(new() { Value = append.Events[i].Json, NpgsqlDbType = NpgsqlDbType.Jsonb });
                    insert.Parameters.Add(new() { Value = json, NpgsqlDbType = NpgsqlDbType.Jsonb });
                    insert.Parameters.Add(new() { Value = recordedAt.ToDateTimeUtc(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
                    batch.BatchCommands.Add(insert);
                }

                store.versions[append.StreamId] = version;
            }

            await batch.ExecuteNonQueryAsync();
        }

        public Task CommitAsync() => tx.CommitAsync();

        public async ValueTask DisposeAsync()
        {
            await tx.DisposeAsync();
            await connection.DisposeAsync();
        }
    }
}

/// <summary>The previous store's JSON options and NodaTime converters (<c>EventSerializer</c>, <c>NodaTimeJsonConverters</c>), as they wrote.</summary>
public static class LegacyJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        options.Converters.Add(new Written<Instant>(InstantPattern.ExtendedIso.Format));
        options.Converters.Add(new Written<Duration>(d => PeriodPattern.NormalizingIso.Format(Period.FromNanoseconds(d.ToInt64Nanoseconds()).Normalize())));
        options.Converters.Add(new Written<LocalDate>(LocalDatePattern.Iso.Format));
        options.Converters.Add(new Written<LocalTime>(t => t.Second == 0 && t.NanosecondOfSecond == 0
            ? LocalTimePattern.CreateWithInvariantCulture("HH:mm").Format(t)
            : LocalTimePattern.ExtendedIso.Format(t)));
        options.Converters.Add(new Written<DateTimeZone>(z => z.Id));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>Only the writing half matters here: these bodies are what the old store left behind.</summary>
    private sealed class Written<T>(Func<T, string> format) : JsonConverter<T>
    {
        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException("The legacy writer only writes.");

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(format(value));
    }
}
