using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Telemetry;
using Governance.Api.Core.Validation;
using System.Security.Claims;
using Governance.EventLog.Streams;
using JasperFx.Events;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;
using NodaTime;

namespace Governance.Api.Promotions;

/// <summary>Ask to move a model version into a stage, with a justification and the evaluations that back it.</summary>
public sealed record RequestPromotion(
    string Model, string Version, string TargetStage, int? TrafficPercent, string Justification, IReadOnlyList<string>? Evidence, string? SkipReason)
{
    /// <summary>Shape rules.</summary>
    public sealed class Validator : AbstractValidator<RequestPromotion>
    {
        public Validator()
        {
            RuleFor(c => c.Model).IsSlug();
            RuleFor(c => c.Version).IsLabel();
            RuleFor(c => c.TargetStage).IsSlug();
            RuleFor(c => c.TrafficPercent).InclusiveBetween(1, 100).When(c => c.TrafficPercent is not null);
            RuleFor(c => c.Justification).NotEmpty().IsText(10_000);
            RuleFor(c => c.Evidence).Must(e => e is null || e.Count <= 50).WithMessage("At most 50 evaluations as evidence.");
            RuleForEach(c => c.Evidence).NotEmpty().IsText(100);
            RuleFor(c => c.SkipReason).IsText(2000);
        }
    }

    /// <summary>The response: the id, whether the gates let it wait for approvals, the gates and how many approvals it needs.</summary>
    public sealed record Requested(string Id, string Status, IReadOnlyList<Gate> Gates, int RequiredApprovals, int PolicyRevision, string FromStage, string TargetStage);

    /// <summary>The stage move the request asks for, given what the endpoint read (null with the refusal when the graph forbids it).</summary>
    public static (StageMove? Move, DomainError? Error) Move(RequestPromotion command, RequestFacts facts, Actor actor)
    {
        if (facts.Model is not { } model)
        {
            return (null, DomainError.NotFound($"No model '{command.Model}'."));
        }

        if (facts.Version is null)
        {
            return (null, DomainError.NotFound($"Model '{command.Model}' has no version '{command.Version}'."));
        }

        return StageGraph.Resolve(command.Model, model.Stages, StageGraph.FurthestIndex(model.Stages, facts.DeployedIn), command.TargetStage, actor.Has(Roles.Admin), command.SkipReason);
    }

    /// <summary>
    /// State rules: the promotion is new, the version exists, the move follows the stage graph, the model is not retired,
    /// the evidence is this version's and no other promotion to the stage is open.
    /// </summary>
    public static DomainError? Check(RequestPromotion command, string id, RequestFacts facts, Promotion? state, Actor actor)
    {
        if (state is not null)
        {
            return DomainError.Conflict($"Promotion '{id}' already exists.");
        }

        var (_, error) = Move(command, facts, actor);
        if (error is not null)
        {
            return error;
        }

        if (facts.Model!.Retired)
        {
            return DomainError.Conflict($"Model '{command.Model}' is retired.");
        }

        if (facts.MissingEvidence.Count > 0)
        {
            return DomainError.Unprocessable(
                $"Not evaluations of {command.Model}@{command.Version}: {string.Join(", ", facts.MissingEvidence)}.", "evidence");
        }

        return facts.OpenPromotionId is { } open
            ? DomainError.Conflict($"Promotion '{open}' of {command.Model}@{command.Version} to '{command.TargetStage}' is still open.")
            : null;
    }

    /// <summary>The request with the policy in force, and its gates evaluated and recorded with it (<see cref="Check"/> has let it through).</summary>
    public static IReadOnlyList<object> Decide(RequestPromotion command, string id, RequestFacts facts, GateFacts gateFacts, Instant now, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var move = Move(command, facts, actor).Move!;
        var model = facts.Model!;
        var policy = model.Policy;
        var stagePolicy = policy.For(move.Target, model.Stages);
        var gates = Gates.Evaluate(stagePolicy, gateFacts, now);
        var version = facts.Version!;
        return
        [
            new PromotionRequested(id, command.Model, command.Version, move.From, move.Target, move.Skipped, move.Skipped.Count > 0 ? command.SkipReason : null,
                command.TrafficPercent, command.Justification, [.. (command.Evidence ?? []).Distinct()], version.Digest, version.RegisteredBy,
                policy.Revision, stagePolicy, actor.Name, now),
            new PromotionGatesEvaluated(id, GatePhase.Request, Gates.Passed(gates), gates, now, command.Model),
        ];
    }
}

/// <summary>What a promotion request refers to and the gates of the move it asks for (none when the move is refused).</summary>
public sealed record PromotionRequestFacts(RequestFacts Request, GateFacts? Gates);

/// <summary>POST /api/v1/promotions.</summary>
public static class RequestPromotionEndpoint
{
    /// <summary>A new promotion's stream: the server names it (time-ordered, so listings sort by request time).</summary>
    public static string StreamOf(IClock clock) => Promotion.StreamId(Promotion.NewId(clock.GetCurrentInstant()));

    /// <summary>The registry, evaluations and deployments the request refers to, and the gates of its move.</summary>
    public static async Task<PromotionRequestFacts> LoadAsync(RequestPromotion command, ClaimsPrincipal user, PromotionLookups lookups, CancellationToken ct)
    {
        var facts = await lookups.RequestAsync(command.Model, command.Version, command.TargetStage, command.Evidence ?? [], ct);
        var (move, _) = RequestPromotion.Move(command, facts, Actor.From(user));
        var gates = move is null ? null : await lookups.GatesAsync(command.Model, command.Version, move.From, move.Target,
            facts.Model!.Policy.For(move.Target, facts.Model.Stages).RequiredSuites, ct);
        return new PromotionRequestFacts(facts, gates);
    }

    /// <summary>Refuses with problem details before anything is appended.</summary>
    public static ProblemDetails Validate(RequestPromotion command, PromotionRequestFacts facts, IEventStream<Folded<Promotion>> promotion, HttpContext http) =>
        StreamRules.Check(http, promotion, (state, actor) => RequestPromotion.Check(command, IdOf(promotion), facts.Request, state, actor));

    /// <summary>Records the request and its gates; it waits for approvals, or is blocked by a failing gate.</summary>
    [WolverinePost("/api/v1/promotions")]
    public static (IResult, Events) Post(
        RequestPromotion command, PromotionRequestFacts facts,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Promotion>> promotion,
        HttpContext http, IClock clock)
    {
        var id = IdOf(promotion);
        return StreamCommand.Decide(http, promotion, clock, nameof(RequestPromotion),
            (state, now, actor) => RequestPromotion.Decide(command, id, facts.Request, facts.Gates!, now, actor),
            after =>
            {
                var status = Gates.Passed(after!.Gates) ? PromotionStatus.Pending : PromotionStatus.Blocked;
                GovernanceTelemetry.Promotions.Add(1, new KeyValuePair<string, object?>("outcome", status == PromotionStatus.Pending ? "requested" : "blocked"));
                return Results.Created($"/api/v1/promotions/{id}", new RequestPromotion.Requested(
                    id, status, after.Gates, after.Request.Policy.RequiredApprovals, after.Request.PolicyRevision, after.Request.FromStage, after.Request.TargetStage));
            });
    }

    // The id the server chose, from the stream it named.
    private static string IdOf(IEventStream<Folded<Promotion>> promotion) => promotion.Key![Promotion.StreamId("").Length..];

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.Metadata
            .RequireRole(Roles.Contributor)
            .WithTags("Promotions").WithName(nameof(RequestPromotion))
            .WithSummary("Request a promotion of a model version to the next stage; gates are evaluated and recorded at once.")
            .Produces<RequestPromotion.Requested>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
    }
}
