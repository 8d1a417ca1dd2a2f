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

/// <summary>Reject a promotion with a reason: it is over.</summary>
public sealed record RejectPromotion(string Reason)
{
    /// <summary>Shape rules.</summary>
    public sealed class Validator : AbstractValidator<RejectPromotion>
    {
        public Validator() => RuleFor(c => c.Reason).NotEmpty().IsText(5000);
    }

    /// <summary>State rules: anyone who holds an approver role of the policy may reject an open (pending, blocked or approved) promotion.</summary>
    public static DomainError? Check(string id, Promotion? state, Actor actor)
    {
        if (state is null)
        {
            return DomainError.NotFound($"No promotion '{id}'.");
        }

        if (state.Status is not (PromotionStatus.Pending or PromotionStatus.Blocked or PromotionStatus.Approved))
        {
            return DomainError.Conflict($"Promotion '{id}' is {state.Status}; it can no longer be rejected.");
        }

        if (!state.Request.Policy.ApproverRoles.Any(actor.Has))
        {
            return DomainError.Forbidden($"Rejecting promotions to '{state.Request.TargetStage}' needs one of the roles {string.Join(", ", state.Request.Policy.ApproverRoles)}.");
        }

        return null;
    }

    /// <summary>The rejection (<see cref="Check"/> has let it through).</summary>
    public static IReadOnlyList<object> Decide(RejectPromotion command, string id, Promotion state, Instant now, Actor actor) =>
        [new PromotionRejected(id, actor.Name, command.Reason, now, state.Request.Model)];
}

/// <summary>POST /api/v1/promotions/{id}/rejections.</summary>
public static class RejectPromotionEndpoint
{
    /// <summary>The promotion's stream.</summary>
    public static string StreamOf(string id) => Promotion.StreamId(id);

    /// <summary>Refuses with problem details before anything is appended.</summary>
    public static ProblemDetails Validate(string id, IEventStream<Folded<Promotion>> promotion, HttpContext http) =>
        StreamRules.Check(http, promotion, (state, actor) => RejectPromotion.Check(id, state, actor));

    /// <summary>Rejects the promotion.</summary>
    [WolverinePost("/api/v1/promotions/{id}/rejections")]
    public static (IResult, Events) Post(
        RejectPromotion command, string id,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Promotion>> promotion,
        HttpContext http, IClock clock) =>
        StreamCommand.Decide(http, promotion, clock, nameof(RejectPromotion),
            (state, now, actor) => RejectPromotion.Decide(command, id, state!, now, actor),
            after =>
            {
                GovernanceTelemetry.Promotions.Add(1, new KeyValuePair<string, object?>("outcome", "rejected"));
                return Results.Ok(PromotionOutcome.Of(after!));
            });

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.Metadata
            .RequireRole(Roles.Viewer)
            .WithTags("Promotions").WithName(nameof(RejectPromotion))
            .WithSummary("Reject a promotion with a reason; a rejection ends it.")
            .Produces<PromotionOutcome>()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
    }
}
