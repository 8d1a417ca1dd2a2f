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

namespace Governance.Api.Experiments;

/// <summary>Conclude an experiment: adopted or abandoned, and why — so what was tried and dropped is never lost.</summary>
public sealed record ConcludeExperiment(ExperimentOutcome? Outcome, string Reason)
{
    /// <summary>Shape rules.</summary>
    public sealed class Validator : AbstractValidator<ConcludeExperiment>
    {
        public Validator()
        {
            RuleFor(c => c.Outcome).NotNull().WithMessage("'Outcome' is adopted or abandoned.");
            RuleFor(c => c.Reason).NotEmpty().IsText(10_000);
        }
    }

    /// <summary>The response.</summary>
    public sealed record Concluded(string Id, ExperimentOutcome Outcome, string Reason);

    /// <summary>An experiment is concluded once.</summary>
    public static DomainError? Check(string id, Experiment? state) =>
        state is null ? DomainError.NotFound($"No experiment '{id}'.")
        : state.Outcome is not null ? DomainError.Conflict($"Experiment '{id}' is already concluded.")
        : null;

    /// <summary>The conclusion, with its reason.</summary>
    public static IReadOnlyList<object> Decide(ConcludeExperiment command, string id, Experiment state, Instant now, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(state);
        return [new ExperimentConcluded(id, state.Model, command.Outcome!.Value, command.Reason, actor.Name, now)];
    }
}

/// <summary>POST /api/v1/experiments/{id}/conclusion.</summary>
public static class ConcludeExperimentEndpoint
{
    /// <summary>The experiment's stream.</summary>
    public static string StreamOf(string id) => Experiment.StreamId(id);

    /// <summary>Refuses with problem details before anything is appended.</summary>
    public static ProblemDetails Validate(string id, IEventStream<Folded<Experiment>> experiment, HttpContext http) =>
        StreamRules.Check(http, experiment, (state, _) => ConcludeExperiment.Check(id, state));

    /// <summary>Concludes the experiment.</summary>
    [WolverinePost("/api/v1/experiments/{id}/conclusion")]
    public static (IResult, Events) Post(
        ConcludeExperiment command, string id,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Experiment>> experiment,
        HttpContext http, IClock clock) =>
        StreamCommand.Decide(http, experiment, clock, nameof(ConcludeExperiment),
            (state, now, actor) => ConcludeExperiment.Decide(command, id, state!, now, actor),
            _ => Results.Ok(new ConcludeExperiment.Concluded(id, command.Outcome!.Value, command.Reason)));

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.Metadata
            .RequireRole(Roles.Contributor)
            .WithTags("Experiments").WithName(nameof(ConcludeExperiment))
            .WithSummary("Conclude an experiment as adopted or abandoned, with the reason.")
            .Produces<ConcludeExperiment.Concluded>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
    }
}
