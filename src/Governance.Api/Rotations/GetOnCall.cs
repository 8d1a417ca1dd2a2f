using Governance.Api.Core.Auth;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Time;
using Governance.EventLog;
using NodaTime;
using Npgsql;
using Governance.Api.Core.Requests;

namespace Governance.Api.Rotations;

/// <summary>GET /teams/{team}/oncall?at=: primary, secondary, shadow and the shift's bounds.</summary>
public static class GetOnCall
{
    /// <summary>Who is on call, as people read it.</summary>
    public sealed record OnCallView(string Team, Instant At, string Primary, string? Secondary, string? Shadow, Instant ShiftStart, Instant ShiftEnd,
        RotationOverride? Override);

    /// <summary>Maps the endpoint.</summary>
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapGet("/teams/{team}/oncall", async (string team, IEventStore store, NpgsqlDataSource db, IClock clock, CancellationToken ct, QueryInstant? at = null) =>
            {
                var instant = at?.Value ?? clock.GetCurrentInstant();
                if (await store.AggregateStreamAsync<Rotation>(Rotation.StreamId(team), ct: ct) is not { } rotation)
                {
                    return DomainError.NotFound($"Team '{team}' has no rotation.").ToResult();
                }

                var pageable = await PagerFacts.PageableAsync(db, rotation.State, ct);
                return pageable.At(instant) is { } onCall
                    ? Results.Ok(new OnCallView(team, instant, onCall.Primary, onCall.Secondary, onCall.Shadow, onCall.ShiftStart, onCall.ShiftEnd, onCall.Override))
                    : DomainError.NotFound(instant < rotation.State.FirstShiftStart
                        ? $"Team '{team}' has nobody on call at {instant}: the rotation starts at {rotation.State.FirstShiftStart}."
                        : $"Team '{team}' has nobody on call at {instant}: nobody on its rotation holds the oncall role any more.").ToResult();
            })
            .RequireRole(Roles.Viewer).WithTags("Teams").WithName("GetOnCall").WithStreamETag("team", Rotation.StreamId)
            .WithSummary("Who is on call for the team at an instant (now by default); people who no longer hold oncall are passed over.")
            .Produces<OnCallView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
}
