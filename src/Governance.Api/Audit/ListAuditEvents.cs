using Governance.Api.Core.Auth;
using Governance.Api.Core.Time;
using Governance.EventLog;
using NodaTime;
using Npgsql;
using NpgsqlTypes;

namespace Governance.Api.Audit;

/// <summary>
/// GET /audit/events: the log, filtered, oldest first (<c>order=asc</c>, the default) or newest first
/// (<c>order=desc</c>). Pages end below the oldest running transaction, so an event that commits later can never
/// appear behind a cursor already handed out, in either order.
/// </summary>
public static class ListAuditEvents
{
    /// <summary>
    /// A page of events and the cursor for the next one, which continues in the same order. Oldest first, <c>next</c> is
    /// always given (the same position again when nothing new has committed); newest first, it is null once the
    /// beginning of the log is reached.
    /// </summary>
    public sealed record Page(IReadOnlyList<AuditEvent> Events, string? Next);

    private const int DefaultLimit = 100;
    private const int MaxLimit = 1000;

    /// <summary>Maps the endpoint.</summary>
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapGet("/audit/events", HandleAsync)
            .RequireRole(Roles.Viewer)
            .WithName("ListAuditEvents")
            .WithSummary("Events with metadata, filtered by model, actor, type and time (from inclusive, to exclusive); oldest first or newest first " +
                "(order=desc); cursor paging with after (the next of the previous page, which keeps its order) and limit.")
            .Produces<Page>()
            .ProducesValidationProblem();

    private static async Task<IResult> HandleAsync(
        NpgsqlDataSource db, AuditCursorKey cursorKey, CancellationToken ct,
        string? model = null, string? actor = null, string? type = null, QueryInstant? from = null, QueryInstant? to = null,
        AuditOrder? order = null, string? after = null, int? limit = null)
    {
        var errors = new Dictionary<string, string[]>();
        var key = await cursorKey.GetAsync(ct);
        LogPosition? position = null;
        var paging = order ?? AuditOrder.Asc;
        if (after is not null)
        {
            if (!AuditCursor.TryDecode(after, key, out var decoded, out var cursorOrder))
            {
                errors["after"] = ["'after' is not a cursor this feed handed out; pass the 'next' of an earlier page unchanged, or leave 'after' out to start again."];
            }
            else if (order is { } asked && asked != cursorOrder)
            {
                errors["order"] = [$"The cursor in 'after' pages {Describe(cursorOrder)}; leave 'order' out or send order={Name(cursorOrder)}."];
            }
            else
            {
                position = decoded;
                paging = cursorOrder;
            }
        }

        if (limit is < 1 or > MaxLimit)
        {
            errors["limit"] = [$"'limit' is between 1 and {MaxLimit}."];
        }

        foreach (var (name, value) in new[] { ("model", model), ("actor", actor), ("type", type) })
        {
            if (value is { Length: > 200 })
            {
                errors[name] = [$"'{name}' is at most 200 characters."];
            }
        }

        if (errors.Count > 0)
        {
            return Results.ValidationProblem(errors, title: "Invalid query", detail: errors.First().Value[0]);
        }

        var take = limit ?? DefaultLimit;
        var newestFirst = paging == AuditOrder.Desc;
        await using var cmd = db.CreateCommand(
            $"SELECT {AuditEvent.Columns} FROM governance.log_events " +
            "WHERE tx_id < pg_snapshot_xmin(pg_current_snapshot()) " +
            (position is null ? "" : newestFirst ? "AND (tx_id, seq) < ($1, $2) " : "AND (tx_id, seq) > ($1, $2) ") +
            "AND ($3::text IS NULL OR stream_id = 'model-' || $3 OR data ->> 'model' = $3) " +
            "AND ($4::text IS NULL OR actor = $4) " +
            "AND ($5::text IS NULL OR type = $5) " +
            "AND ($6::timestamptz IS NULL OR recorded_at >= $6) " +
            "AND ($7::timestamptz IS NULL OR recorded_at < $7) " +
            (newestFirst ? "ORDER BY tx_id DESC, seq DESC " : "ORDER BY tx_id, seq ") +
            "LIMIT $8");
        var start = position ?? LogPosition.Start;
        cmd.Parameters.Add(new() { Value = start.TxId, NpgsqlDbType = NpgsqlDbType.Xid8 });
        cmd.Parameters.Add(new() { Value = start.Seq });
        cmd.Parameters.Add(Text(model));
        cmd.Parameters.Add(Text(actor));
        cmd.Parameters.Add(Text(type));
        cmd.Parameters.Add(Time(from?.Value));
        cmd.Parameters.Add(Time(to?.Value));
        cmd.Parameters.Add(new() { Value = take });
        var events = await AuditEvent.ReadAsync(cmd, ct);

        // Newest first, a short page has reached the beginning: everything below the horizon has committed, so nothing
        // older can turn up later. Oldest first, the feed can always grow.
        string? next = events.Count > 0 ? AuditCursor.Encode(events[^1].LogPosition, paging, key)
            : newestFirst ? null
            : AuditCursor.Encode(start, paging, key);
        if (newestFirst && events.Count < take)
        {
            next = null;
        }

        return Results.Ok(new Page(events, next));
    }

    private static string Describe(AuditOrder order) => order == AuditOrder.Desc ? "newest first" : "oldest first";

    private static string Name(AuditOrder order) => order == AuditOrder.Desc ? "desc" : "asc";

    private static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    private static NpgsqlParameter Time(Instant? value) =>
        new() { Value = value is { } v ? v.ToDateTimeUtc() : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz };
}
