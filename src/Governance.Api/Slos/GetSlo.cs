using Governance.Api.Core.Auth;
using Governance.Api.Core.Errors;
using Governance.EventLog;
using NodaTime;
using Governance.Api.Core.Requests;

namespace Governance.Api.Slos;

/// <summary>GET /slos/{id}: attainment, error budget left, burn rates, and whether it is breaching.</summary>
public static class GetSlo
{
    /// <summary>An SLO's status.</summary>
    public sealed record SloStatus(string Id, string Name, string Model, string Stage, double Objective, Duration Window, Duration LabelDelay, string Description,
        Instant JudgedUntil, double? Attainment, double ErrorBudgetRemaining, IReadOnlyDictionary<string, double> BurnRates, bool Breaching,
        BreachKind? BreachKind, string? IncidentId, SloBreached? LastBreach);

    /// <summary>Maps the endpoint.</summary>
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapGet("/slos/{id}", async (string id, IEventStore store, SloBreachDetector detector, IClock clock, CancellationToken ct) =>
            {
                if (await store.AggregateStreamAsync<Slo>(Slo.StreamId(id), ct: ct) is not { } found)
                {
                    return DomainError.NotFound($"No SLO '{id}'.").ToResult();
                }

                var now = clock.GetCurrentInstant();
                var slo = found.State;
                var row = (await detector.CountsAsync([id], now, ct)).Single();
                var judgement = BurnRates.Judge(slo.Objective, row.Counts);
                return Results.Ok(new SloStatus(slo.Id, slo.Name, slo.Model, slo.Stage, slo.Objective, slo.Window, slo.LabelDelay, slo.Description,
                    now - slo.LabelDelay, judgement.Attainment, judgement.ErrorBudgetRemaining, judgement.BurnRates, slo.Breach is not null,
                    slo.Breach?.Kind, slo.Breach?.IncidentId, slo.LastBreach));
            })
            .RequireRole(Roles.Viewer).WithTags("SLOs").WithName("GetSlo").WithStreamETag("id", Slo.StreamId)
            .WithSummary("An SLO's attainment, error budget, burn rates and breach state.")
            .Produces<SloStatus>().ProducesProblem(StatusCodes.Status404NotFound);
}
