using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Validation;
using Governance.Api.Models;
using Governance.EventLog.Streams;
using JasperFx.Events;
using NodaTime;
using Wolverine.Http;
using Wolverine.Marten;

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
}

/// <summary>POST /api/v1/experiments.</summary>
public static class StartExperimentEndpoint
{
    /// <summary>The stream of a new experiment, under an id made up here; <see cref="Post"/> reads the id back from it.</summary>
    public static string StreamOf() => Experiment.StreamId("exp-" + Guid.CreateVersion7().ToString("N")[..20]);

    /// <summary>Whether the model and the base version exist.</summary>
    public static async Task<Facts> LoadAsync(StartExperiment command, RegistryLookups lookups, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(lookups);
        return new Facts(
            await lookups.ModelExistsAsync(command.Model, ct),
            command.BaseVersion is not null && await lookups.ModelVersionExistsAsync(command.Model, command.BaseVersion, ct));
    }

    /// <summary>Starts the experiment's stream.</summary>
    [WolverinePost("/api/v1/experiments")]
    public static (IResult, Events) Post(
        StartExperiment command, Facts facts,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Experiment>> experiment,
        HttpContext http, IClock clock)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(experiment);
        var id = experiment.Key![Experiment.StreamId("").Length..];
        return StreamCommand.Decide(http, experiment, clock, nameof(StartExperiment),
            (state, now, actor) => StartExperiment.Decide(command, id, facts.ModelExists, facts.BaseVersionExists, state, now, actor),
            _ => Results.Created($"/api/v1/experiments/{id}", new StartExperiment.Started(id)));
    }

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.Metadata
            .RequireRole(Roles.Contributor)
            .WithTags("Experiments").WithName(nameof(StartExperiment))
            .WithSummary("Start an experiment with a hypothesis.")
            .Produces<StartExperiment.Started>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
    }

    /// <summary>What the decision needs to know about the model.</summary>
    public sealed record Facts(bool ModelExists, bool BaseVersionExists);
}
