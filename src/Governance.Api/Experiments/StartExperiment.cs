using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Validation;
using Governance.Api.Models;
using NodaTime;

namespace Governance.Api.Experiments;

/// <summary>Start an experiment on a model: a hypothesis, what kind of change, and the version it starts from.</summary>
public sealed record StartExperiment(string Model, string Hypothesis, ExperimentKind? Kind, string? BaseVersion)
{
    /// <summary>Shape rules.</summary>
    public sealed class Validator : AbstractValidator<StartExperiment>
    {
        public Validator()
        {
            RuleFor(c => c.Model).IsSlug();
            RuleFor(c => c.Hypothesis).NotEmpty().IsText(5000);
            RuleFor(c => c.Kind).NotNull().WithMessage("'Kind' is data, model or config.");
            RuleFor(c => c.BaseVersion!).IsLabel().When(c => c.BaseVersion is not null);
        }
    }

    /// <summary>The response.</summary>
    public sealed record Started(string Id);

    /// <summary>Pure decision: the model and the base version must exist.</summary>
    public static Decision Decide(StartExperiment command, string id, bool modelExists, bool baseVersionExists, Experiment? state, Instant now, Actor actor)
    {
        if (state is not null)
        {
            return DomainError.Conflict($"Experiment '{id}' already exists.");
        }

        if (!modelExists)
        {
            return DomainError.Unprocessable($"No model '{command.Model}'.", "model");
        }

        if (command.BaseVersion is not null && !baseVersionExists)
        {
            return DomainError.Unprocessable($"Model '{command.Model}' has no version '{command.BaseVersion}'.", "baseVersion");
        }

        return Decision.Accept(new ExperimentStarted(id, command.Model, command.Hypothesis, command.Kind!.Value, command.BaseVersion, actor.Name, now));
    }

    /// <summary>POST /api/v1/experiments.</summary>
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapPost("/experiments", async (StartExperiment command, HttpContext http, CommandExecutor executor, RegistryLookups lookups, CancellationToken ct) =>
            {
                var id = "exp-" + Guid.CreateVersion7().ToString("N")[..20];
                var modelExists = await lookups.ModelExistsAsync(command.Model, ct);
                var baseExists = command.BaseVersion is not null && await lookups.ModelVersionExistsAsync(command.Model, command.BaseVersion, ct);
                var outcome = await executor.ExecuteAsync<Experiment>(http, nameof(StartExperiment), Experiment.StreamId(id), Experiment.StreamType,
                    (state, now, actor) => Decide(command, id, modelExists, baseExists, state, now, actor), ct);
                return outcome.Succeeded ? Results.Created($"/api/v1/experiments/{id}", new Started(id)) : outcome.Error!.ToResult();
            })
            .Validate<StartExperiment>()
            .RequireRole(Roles.Contributor)
            .WithTags("Experiments").WithName(nameof(StartExperiment))
            .WithSummary("Start an experiment with a hypothesis.")
            .Produces<Started>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
}
