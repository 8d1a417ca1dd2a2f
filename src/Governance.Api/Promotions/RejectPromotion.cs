using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Telemetry;
using Governance.Api.Core.Validation;
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

    /// <summary>Pure decision: anyone who holds an approver role of the policy may reject an open (pending, blocked or approved) promotion.</summary>
    public static Decision Decide(RejectPromotion command, string id, Promotion? state, Instant now, Actor actor)
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

        return Decision.Accept(new PromotionRejected(id, actor.Name, command.Reason, now, state.Request.Model));
    }

    /// <summary>POST /api/v1/promotions/{id}/rejections.</summary>
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapPost("/promotions/{id}/rejections", async (string id, RejectPromotion command, HttpContext http, CommandExecutor executor, CancellationToken ct) =>
            {
                var outcome = await executor.ExecuteAsync<Promotion>(http, nameof(RejectPromotion), Promotion.StreamId(id), Promotion.StreamType,
                    (state, now, actor) => Decide(command, id, state, now, actor), ct);
                if (!outcome.Succeeded)
                {
                    return outcome.Error!.ToResult();
                }

                GovernanceTelemetry.Promotions.Add(1, new KeyValuePair<string, object?>("outcome", "rejected"));
                return Results.Ok(PromotionOutcome.Of(outcome.State!));
            })
            .Validate<RejectPromotion>()
            .RequireRole(Roles.Viewer)
            .WithTags("Promotions").WithName(nameof(RejectPromotion))
            .WithSummary("Reject a promotion with a reason; a rejection ends it.")
            .Produces<PromotionOutcome>()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
}
