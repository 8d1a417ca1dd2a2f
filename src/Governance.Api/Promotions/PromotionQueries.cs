using Governance.Api.Core.Auth;
using Governance.Api.Core.Errors;
using Governance.Api.Models;
using Governance.EventLog;
using NodaTime;
using Npgsql;
using NpgsqlTypes;
using Governance.Api.Core.Requests;

namespace Governance.Api.Promotions;

/// <summary>A promotion in a list.</summary>
public sealed record PromotionListItem(
    string Id, string Model, string Version, string FromStage, string TargetStage, string Status, string RequestedBy, DateTime RequestedAt,
    int RequiredApprovals, IReadOnlyList<string> ApprovedBy, IReadOnlyList<string> ApproverRoles, int PolicyRevision, bool GatesPassed);

/// <summary>One entry of a promotion's timeline.</summary>
public sealed record TimelineEntry(long Version, string Type, string Actor, Instant At);

/// <summary>An approval as shown: who, when, with what comment, for which artifact.</summary>
public sealed record ApprovalView(string By, Instant At, string? Comment, string Digest);

/// <summary>A promotion with everything that happened to it.</summary>
public sealed record PromotionView(
    string Id, string Model, string Version, string FromStage, string TargetStage, IReadOnlyList<string> SkippedStages, string? SkipReason,
    int? TrafficPercent, string Justification, IReadOnlyList<string> Evidence, string Status, string Digest, string RequestedBy, Instant RequestedAt,
    int PolicyRevision, StagePolicy Policy, int RequiredApprovals, IReadOnlyList<Gate> Gates, IReadOnlyList<ApprovalView> Approvals,
    string? EndedBy, string? EndReason, Instant? EndedAt, IReadOnlyList<TimelineEntry> Timeline);

/// <summary>Reads of promotions: lists and the approval inbox from governance.promotions, one promotion from its stream.</summary>
public sealed class PromotionQueries(NpgsqlDataSource db, IEventStore store)
{
    /// <summary>Promotions newest first, by status and model; with <paramref name="awaiting"/>, only those that actor may approve and has not.</summary>
    public async Task<IReadOnlyList<PromotionListItem>> ListAsync(string? status, string? model, Actor? awaiting, int limit, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            SELECT id, model, version, from_stage, target_stage, status, requested_by, requested_at, required_approvals, approved_by,
                   approver_roles, policy_revision, gates_passed
            FROM governance.promotions
            WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR model = $2)
              AND ($3::text IS NULL OR (status = 'pending' AND NOT ($3 = ANY (approved_by)) AND approver_roles && $4::text[]
                   AND (allow_self_approval OR ($3 <> requested_by AND $3 <> version_registered_by))))
            ORDER BY requested_at DESC, id DESC
            LIMIT $5
            """);
        cmd.Parameters.Add(new() { Value = (object?)status ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = (object?)model ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = (object?)awaiting?.Name ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = awaiting?.Roles.ToArray() ?? [], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = limit });
        var result = new List<PromotionListItem>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result.Add(new PromotionListItem(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5),
                reader.GetString(6), DateTime.SpecifyKind(reader.GetDateTime(7), DateTimeKind.Utc), reader.GetInt32(8),
                reader.GetFieldValue<string[]>(9), reader.GetFieldValue<string[]>(10), reader.GetInt32(11), reader.GetBoolean(12)));
        }

        return result;
    }

    /// <summary>One promotion folded from its stream, with its timeline; null when there is none.</summary>
    public async Task<PromotionView?> GetAsync(string id, CancellationToken ct)
    {
        var events = await store.ReadStreamAsync(Promotion.StreamId(id), ct: ct);
        if (events.Count == 0)
        {
            return null;
        }

        var state = Promotion.Initial;
        var timeline = new List<TimelineEntry>(events.Count);
        foreach (var @event in events)
        {
            state = state.Evolve(@event);
            timeline.Add(new TimelineEntry(@event.Version, @event.Type, @event.Metadata.Actor, DecidedAt(@event)));
        }

        var r = state.Request;
        return new PromotionView(r.Id, r.Model, r.Version, r.FromStage, r.TargetStage, r.SkippedStages, r.SkipReason, r.TrafficPercent, r.Justification,
            r.Evidence, state.Status, r.Digest, r.RequestedBy, r.RequestedAt, r.PolicyRevision, r.Policy, r.Policy.RequiredApprovals, state.Gates,
            [.. state.Approvals.Select(a => new ApprovalView(a.By, a.At, a.Comment, a.Digest))], state.EndedBy, state.EndReason, state.EndedAt, timeline);
    }

    // The time the decision was made (the injected clock), which is what "when" means to a reader; the database's time otherwise.
    private static Instant DecidedAt(StoredEvent @event) => @event.Data switch
    {
        PromotionRequested r => r.RequestedAt,
        PromotionGatesEvaluated g => g.EvaluatedAt,
        PromotionApproved a => a.ApprovedAt,
        PromotionRejected r => r.RejectedAt,
        PromotionWithdrawn w => w.WithdrawnAt,
        PromotionDeployed d => d.DeployedAt,
        _ => @event.RecordedAt,
    };

    /// <summary>GET /api/v1/promotions and GET /api/v1/promotions/{id}.</summary>
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/promotions", async (HttpContext http, PromotionQueries queries, CancellationToken ct,
                string? status = null, string? model = null, bool awaitingMe = false, int limit = 200) =>
            {
                if (status is not null && !PromotionStatus.All.Contains(status))
                {
                    return DomainError.Invalid("status", $"'status' is one of {string.Join(", ", PromotionStatus.All)}.").ToResult();
                }

                if (limit is < 1 or > 1000)
                {
                    return DomainError.Invalid("limit", "'limit' is between 1 and 1000.").ToResult();
                }

                return Results.Ok(await queries.ListAsync(status, model, awaitingMe ? Actor.From(http.User) : null, limit, ct));
            })
            .RequireRole(Roles.Viewer)
            .WithTags("Promotions").WithName("ListPromotions")
            .WithSummary("Promotions, newest first, by status and model; awaitingMe=true lists those you may approve and have not (your inbox).")
            .Produces<IReadOnlyList<PromotionListItem>>()
            .ProducesProblem(StatusCodes.Status400BadRequest);

        api.MapGet("/promotions/{id}", async (string id, PromotionQueries queries, CancellationToken ct) =>
                await queries.GetAsync(id, ct) is { } promotion ? Results.Ok(promotion) : DomainError.NotFound($"No promotion '{id}'.").ToResult())
            .RequireRole(Roles.Viewer)
            .WithTags("Promotions").WithName("GetPromotion").WithStreamETag("id", Promotion.StreamId, answersNotModified: true)
            .WithSummary("A promotion: status, gates, approvals (who, when, comment), the policy revision it is judged by, and its timeline.")
            .Produces<PromotionView>()
            .ProducesProblem(StatusCodes.Status404NotFound);
    }
}
