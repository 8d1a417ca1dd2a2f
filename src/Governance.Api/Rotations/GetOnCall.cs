using Governance.Api.Core.Auth;
using Governance.Api.Core.Errors;
using Governance.EventStore;
using NodaTime;
using NodaTime.Text;
using Npgsql;

namespace Governance.Api.Rotations;

/// <summary>GET /teams/{team}/oncall?at=: primary, secondary, shadow and the shift's bounds.</summary>
public static class GetOnCall
{
    /// <summary>Who is on call, as people read it.</summary>
    public sealed record OnCallView(string Team, Instant At, string Primary, string? Secondary, string? Shadow, Instant ShiftStart, Instant ShiftEnd,
        RotationOverride? Override);

    /// <summary>Parses an optional ?at= instant; null text means now.</summary>
    public static (Instant? At, DomainError? Error) ParseAt(string? at, Instant now)
    {
        if (string.IsNullOrEmpty(at))
        {
            return (now, null);
        }

        return Governance.EventStore.Serialization.NodaTimeJsonConverters.TryParseInstant(at, out var instant)
            ? (instant, null)
            : (null, DomainError.Invalid("at", "'at' must be an ISO-8601 instant such as 2026-11-22T10:00:00Z."));
    }

    /// <summary>Maps the endpoint.</summary>
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapGet("/teams/{team}/oncall", async (string team, IEventStore store, NpgsqlDataSource db, IClock clock, CancellationToken ct, string? at = null) =>
            {
                var (instant, error) = ParseAt(at, clock.GetCurrentInstant());
                if (error is not null)
                {
                    return error.ToResult();
                }

                if (await store.AggregateStreamAsync<Rotation>(Rotation.StreamId(team), ct: ct) is not { } rotation)
                {
                    return DomainError.NotFound($"Team '{team}' has no rotation.").ToResult();
                }

                var pageable = await PagerFacts.PageableAsync(db, rotation.State, ct);
                return pageable.At(instant!.Value) is { } onCall
                    ? Results.Ok(new OnCallView(team, instant.Value, onCall.Primary, onCall.Secondary, onCall.Shadow, onCall.ShiftStart, onCall.ShiftEnd, onCall.Override))
                    : DomainError.NotFound(instant.Value < rotation.State.FirstShiftStart
                        ? $"Team '{team}' has nobody on call at {instant}: the rotation starts at {rotation.State.FirstShiftStart}."
                        : $"Team '{team}' has nobody on call at {instant}: nobody on its rotation holds the oncall role any more.").ToResult();
            })
            .RequireRole(Roles.Viewer).WithTags("Teams").WithName("GetOnCall")
            .WithSummary("Who is on call for the team at an instant (now by default); people who no longer hold oncall are passed over.")
            .Produces<OnCallView>().ProducesProblem(StatusCodes.Status404NotFound);
}
