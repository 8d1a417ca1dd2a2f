using Governance.Api.Core.Auth;
using Governance.Api.Core.Errors;
using Governance.EventStore;
using Governance.EventStore.Serialization;
using NodaTime;
using NodaTime.Text;
using Npgsql;
using NpgsqlTypes;

namespace Governance.Api.Audit;

/// <summary>
/// GET /audit/events: the log, filtered, in commit order. Pages end below the oldest running transaction, so
/// an event that commits later can never appear behind a cursor already handed out.
/// </summary>
public static class ListAuditEvents
{
    /// <summary>A page of events and the cursor to ask for what follows (the same cursor again when nothing new has committed).</summary>
    public sealed record Page(IReadOnlyList<AuditEvent> Events, string? Next);

    private const int DefaultLimit = 100;
    private const int MaxLimit = 1000;

    /// <summary>Maps the endpoint.</summary>
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapGet("/audit/events", HandleAsync)
            .RequireRole(Roles.Viewer)
            .WithName("ListAuditEvents")
            .WithSummary("Events with metadata, filtered by model, actor, type and time; cursor paging with after and limit.")
            .Produces<Page>()
            .ProducesValidationProblem();

    private static async Task<IResult> HandleAsync(
        NpgsqlDataSource db, CancellationToken ct,
        string? model = null, string? actor = null, string? type = null, string? from = null, string? to = null,
        string? after = null, int? limit = null)
    {
        var errors = new Dictionary<string, string[]>();
        var position = LogPosition.Start;
        if (after is not null && !LogPosition.TryParseCursor(after, out position))
        {
            errors["after"] = ["'after' must be a cursor returned as 'next' by an earlier page."];
        }

        var fromInstant = ParseInstant(from, "from", errors);
        var toInstant = ParseInstant(to, "to", errors);
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
            return Results.ValidationProblem(errors, title: "Invalid query");
        }

        var take = limit ?? DefaultLimit;
        await using var cmd = db.CreateCommand(
            $"SELECT {AuditEvent.Columns} FROM governance.events " +
            "WHERE (tx_id, seq) > ($1, $2) AND tx_id < pg_snapshot_xmin(pg_current_snapshot()) " +
            "AND ($3::text IS NULL OR stream_id = 'model-' || $3 OR data ->> 'model' = $3) " +
            "AND ($4::text IS NULL OR metadata ->> 'actor' = $4) " +
            "AND ($5::text IS NULL OR type = $5) " +
            "AND ($6::timestamptz IS NULL OR recorded_at >= $6) " +
            "AND ($7::timestamptz IS NULL OR recorded_at < $7) " +
            "ORDER BY tx_id, seq LIMIT $8");
        cmd.Parameters.Add(new() { Value = position.TxId, NpgsqlDbType = NpgsqlDbType.Xid8 });
        cmd.Parameters.Add(new() { Value = position.Seq });
        cmd.Parameters.Add(Text(model));
        cmd.Parameters.Add(Text(actor));
        cmd.Parameters.Add(Text(type));
        cmd.Parameters.Add(Time(fromInstant));
        cmd.Parameters.Add(Time(toInstant));
        cmd.Parameters.Add(new() { Value = take });
        var events = await AuditEvent.ReadAsync(cmd, ct);
        return Results.Ok(new Page(events, events.Count > 0 ? events[^1].Position : after));
    }

    private static Instant? ParseInstant(string? text, string name, Dictionary<string, string[]> errors)
    {
        if (text is null)
        {
            return null;
        }

        var parsed = InstantPattern.ExtendedIso.Parse(text);
        if (parsed.Success)
        {
            return parsed.Value;
        }

        errors[name] = [$"'{name}' must be an ISO-8601 UTC instant such as 2026-11-22T10:00:00Z."];
        return null;
    }

    private static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    private static NpgsqlParameter Time(Instant? value) =>
        new() { Value = value is { } v ? v.ToDateTimeUtc() : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz };
}
