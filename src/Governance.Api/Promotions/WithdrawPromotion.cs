using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Telemetry;
using Governance.Api.Core.Validation;
using Governance.EventLog.Streams;
using JasperFx.Events;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;
using NodaTime;

namespace Governance.Api.Promotions;

/// <summary>The requester takes a promotion back, with a reason.</summary>
public sealed record WithdrawPromotion(string Reason)
{
    /// <summary>Shape rules.</summary>
    public sealed class Validator : AbstractValidator<WithdrawPromotion>
    {
        public Validator() => RuleFor(c => c.Reason).NotEmpty().IsText(5000);
    }

    /// <summary>State rules: only the requester (or an admin) withdraws, and only a promotion not yet deployed, rejected or withdrawn.</summary>
    public static DomainError? Check(string id, Promotion? state, Actor actor)
    {
        if (state is null)
        {
            return DomainError.NotFound($"No promotion '{id}'.");
        }

        if (actor.Name != state.Request.RequestedBy && !actor.Has(Roles.Admin))
        {
            return DomainError.Forbidden($"Only the requester, {state.Request.RequestedBy}, may withdraw promotion '{id}'.");
        }

        if (state.Status is not (PromotionStatus.Pending or PromotionStatus.Blocked or PromotionStatus.Approved))
        {
            return DomainError.Conflict($"Promotion '{id}' is {state.Status}; it can no longer be withdrawn.");
        }

        return null;
    }

    /// <summary>The withdrawal (<see cref="Check"/> has let it through).</summary>
    public static IReadOnlyList<object> Decide(WithdrawPromotion command, string id, Promotion state, Instant now, Actor actor) =>
        [new PromotionWithdrawn(id, actor.Name, command.Reason, now, state.Request.Model)];
}

/// <summary>POST /api/v1/promotions/{id}/withdrawal.</summary>
public static class WithdrawPromotionEndpoint
{
    /// <summary>The promotion's stream.</summary>
    public static string StreamOf(string id) => Promotion.StreamId(id);

    /// <summary>Refuses with problem details before anything is appended.</summary>
    public static ProblemDetails Validate(string id, IEventStream<Folded<Promotion>> promotion, HttpContext http) =>
        StreamRules.Check(http, promotion, (state, actor) => WithdrawPromotion.Check(id, state, actor));

    /// <summary>Withdraws the promotion.</summary>
    [WolverinePost("/api/v1/promotions/{id}/withdrawal")]
    public static (IResult, Events) Post(
        WithdrawPromotion command, string id,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Promotion>> promotion,
        HttpContext http, IClock clock) =>
        StreamCommand.Decide(http, promotion, clock, nameof(WithdrawPromotion),
            (state, now, actor) => WithdrawPromotion.Decide(command, id, state!, now, actor),
            after =>
            {
                GovernanceTelemetry.Promotions.Add(1, new KeyValuePair<string, object?>("outcome", "withdrawn"));
                return Results.Ok(PromotionOutcome.Of(after!));
            });

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.Metadata
            .RequireRole(Roles.Contributor)
            .WithTags("Promotions").WithName(nameof(WithdrawPromotion))
            .WithSummary("Withdraw your own promotion, with a reason.")
            .Produces<PromotionOutcome>()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
    }
}
