using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Validation;
using Governance.Api.Models;
using Governance.EventLog.Streams;
using JasperFx.Events;
using Microsoft.AspNetCore.Mvc;
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

    /// <summary>The model and the base version must exist.</summary>
    public static DomainError? Check(StartExperiment command, string id, bool modelExists, bool baseVersionExists, Experiment? state)
    {
        ArgumentNullException.ThrowIfNull(command);
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

        return null;
    }

    /// <summary>The experiment, started by whoever asked.</summary>
    public static IReadOnlyList<object> Decide(StartExperiment command, string id, Instant now, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(command);
        return [new ExperimentStarted(id, command.Model, command.Hypothesis, command.Kind!.Value, command.BaseVersion, actor.Name, now)];
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

    /// <summary>Refuses with problem details before anything is appended.</summary>
    public static ProblemDetails Validate(StartExperiment command, Facts facts, IEventStream<Folded<Experiment>> experiment, HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(facts);
        return StreamRules.Check(http, experiment,
            (state, _) => StartExperiment.Check(command, IdOf(experiment), facts.ModelExists, facts.BaseVersionExists, state));
    }

    /// <summary>Starts the experiment's stream.</summary>
    [WolverinePost("/api/v1/experiments")]
    public static (IResult, Events) Post(
        StartExperiment command,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Experiment>> experiment,
        HttpContext http, IClock clock)
    {
        var id = IdOf(experiment);
        return StreamCommand.Decide(http, experiment, clock, nameof(StartExperiment),
            (_, now, actor) => StartExperiment.Decide(command, id, now, actor),
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

    private static string IdOf(IEventStream<Folded<Experiment>> experiment)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        return experiment.Key![Experiment.StreamId("").Length..];
    }

    /// <summary>What the rules need to know about the model.</summary>
    public sealed record Facts(bool ModelExists, bool BaseVersionExists);
}
