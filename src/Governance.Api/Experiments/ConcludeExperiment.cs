using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Validation;
using NodaTime;

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

    /// <summary>Pure decision: an experiment is concluded once.</summary>
    public static Decision Decide(ConcludeExperiment command, string id, Experiment? state, Instant now, Actor actor)
    {
        if (state is null)
        {
            return DomainError.NotFound($"No experiment '{id}'.");
        }

        if (state.Outcome is not null)
        {
            return DomainError.Conflict($"Experiment '{id}' is already concluded.");
        }

        return Decision.Accept(new ExperimentConcluded(id, state.Model, command.Outcome!.Value, command.Reason, actor.Name, now));
    }

    /// <summary>POST /api/v1/experiments/{id}/conclusion.</summary>
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapPost("/experiments/{id}/conclusion", async (string id, ConcludeExperiment command, HttpContext http, CommandExecutor executor, CancellationToken ct) =>
            {
                var outcome = await executor.ExecuteAsync<Experiment>(http, nameof(ConcludeExperiment), Experiment.StreamId(id), Experiment.StreamType,
                    (state, now, actor) => Decide(command, id, state, now, actor), ct);
                return outcome.Succeeded ? Results.Ok(new Concluded(id, command.Outcome!.Value, command.Reason)) : outcome.Error!.ToResult();
            })
            .Validate<ConcludeExperiment>()
            .RequireRole(Roles.Contributor)
            .WithTags("Experiments").WithName(nameof(ConcludeExperiment))
            .WithSummary("Conclude an experiment as adopted or abandoned, with the reason.")
            .Produces<Concluded>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
}
