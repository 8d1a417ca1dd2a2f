using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Validation;
using Governance.EventLog.Streams;
using JasperFx.Events;
using Microsoft.AspNetCore.Mvc;
using NodaTime;
using Wolverine.Http;
using Wolverine.Marten;

namespace Governance.Api.Slos;

/// <summary>
/// Revise an SLO's name, objective, window, label delay or description. Its model and stage stay: an SLO on another
/// model or stage is another SLO. Measurements are kept; from now on they are judged by the new definition.
/// </summary>
public sealed record ReviseSlo(string Name, double? Objective, string Window, string? LabelDelay, string? Description)
{
    /// <summary>Shape rules, the same as for a definition.</summary>
    public sealed class Validator : AbstractValidator<ReviseSlo>
    {
        public Validator()
        {
            RuleFor(c => c.Name).NotEmpty().IsText(200);
            RuleFor(c => c.Objective).IsObjective();
            RuleFor(c => c.Window).IsSloWindow();
            RuleFor(c => c.LabelDelay!).IsLabelDelay().When(c => c.LabelDelay is not null);
            RuleFor(c => c.Description).IsText(5000);
        }
    }

    /// <summary>The response: the SLO and its definition as now in force.</summary>
    public sealed record Revised(string Id, string Name, double Objective, Duration Window, Duration LabelDelay, string Description);

    /// <summary>State rules: the SLO must exist.</summary>
    public static DomainError? Check(string id, Slo? state) => state is null ? DomainError.NotFound($"No SLO '{id}'.") : null;

    /// <summary>
    /// The revision (<see cref="Check"/> has let it through); none when the definition equals the current one (pipelines
    /// re-apply their SLOs on every deploy and must not churn revisions).
    /// </summary>
    public static IReadOnlyList<object> Decide(ReviseSlo command, string id, Slo state, Instant now, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(state);
        var window = DefineSlo.ParseDuration(command.Window)!.Value;
        var labelDelay = DefineSlo.ParseDuration(command.LabelDelay) ?? Duration.Zero;
        var description = command.Description ?? "";
        if (state.Name == command.Name && state.Objective.Equals(command.Objective) && state.Window == window && state.LabelDelay == labelDelay
            && state.Description == description)
        {
            return [];
        }

        return [new SloRevised(id, command.Name, state.Model, state.Stage, command.Objective!.Value, window, labelDelay, description,
            state.Objective, state.Window, actor.Name, now)];
    }
}

/// <summary>PUT /api/v1/slos/{id}.</summary>
public static class ReviseSloEndpoint
{
    /// <summary>The SLO's stream.</summary>
    public static string StreamOf(string id) => Slo.StreamId(id);

    /// <summary>Refuses with problem details before anything is appended.</summary>
    public static ProblemDetails Validate(string id, IEventStream<Folded<Slo>> slo, HttpContext http) =>
        StreamRules.Check(http, slo, (state, _) => ReviseSlo.Check(id, state));

    /// <summary>Revises the SLO.</summary>
    [WolverinePut("/api/v1/slos/{id}")]
    public static (IResult, Events) Put(
        ReviseSlo command, string id,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Slo>> slo,
        HttpContext http, IClock clock) =>
        StreamCommand.Decide(http, slo, clock, nameof(ReviseSlo),
            (state, now, actor) => ReviseSlo.Decide(command, id, state!, now, actor),
            after => Results.Ok(new ReviseSlo.Revised(after!.Id, after.Name, after.Objective, after.Window, after.LabelDelay, after.Description)));

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.Metadata
            .RequireRole(Roles.Contributor)
            .WithTags("SLOs").WithName(nameof(ReviseSlo))
            .WithSummary("Revise an SLO's objective, window, label delay, name or description (its model and stage stay).")
            .Produces<ReviseSlo.Revised>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);
    }
}
