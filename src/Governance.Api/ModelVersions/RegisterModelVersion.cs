using System.Text.Json;
using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Validation;
using Governance.Api.Datasets;
using Governance.Api.Models;
using Governance.EventLog.Streams;
using JasperFx.Events;
using Microsoft.AspNetCore.Mvc;
using NodaTime;
using Wolverine.Http;
using Wolverine.Marten;

namespace Governance.Api.ModelVersions;

/// <summary>Register a model version: artifact, digest, the run that made it, its data, parents, commit and config.</summary>
public sealed record RegisterModelVersion(
    string Version, string ArtifactUri, string Digest, string? ExperimentId, string? RunId, IReadOnlyList<string>? TrainingDatasets,
    IReadOnlyList<string>? Parents, string CodeCommit, IReadOnlyDictionary<string, JsonElement>? Config)
{
    /// <summary>Shape rules.</summary>
    public sealed class Validator : AbstractValidator<RegisterModelVersion>
    {
        public Validator()
        {
            RuleFor(c => c.Version).IsLabel();
            RuleFor(c => c.ArtifactUri).NotEmpty().IsText(2000);
            RuleFor(c => c.Digest).NotEmpty().Matches(Rules.Digest()).WithMessage("'Digest' must be 'sha256:' followed by 64 lowercase hex digits.");
            RuleFor(c => c.ExperimentId!).IsText(100).When(c => c.ExperimentId is not null);
            RuleFor(c => c.RunId!).IsLabel().When(c => c.RunId is not null);
            RuleFor(c => c.ExperimentId).RequiredWith(c => c.RunId, "runId").WithMessage("A run is named together with its experiment ('experimentId').");
            RuleFor(c => c.TrainingDatasets).Must(d => d is null || d.Count <= 100).WithMessage("At most 100 training datasets.");
            RuleForEach(c => c.TrainingDatasets).IsVersionRef();
            RuleFor(c => c.Parents).Must(p => p is null || p.Count <= 20).WithMessage("At most 20 parents.");
            RuleForEach(c => c.Parents).IsVersionRef();
            RuleFor(c => c.CodeCommit).NotEmpty().IsText(100);
            RuleFor(c => c.Config).Must(c => c is null || c.Count <= 500).WithMessage("At most 500 config entries.");
        }
    }

    /// <summary>What the endpoint found out before deciding.</summary>
    public sealed record References(bool ModelExists, string? ExperimentModel, bool RunExists, ISet<string> Datasets, ISet<string> Parents);

    /// <summary>The response.</summary>
    public sealed record Created(string Model, string Version, string Node);

    /// <summary>State rules: a version is registered once, on a known model, from references that exist.</summary>
    public static DomainError? Check(RegisterModelVersion command, string model, References refs, ModelVersion? state)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(refs);
        if (!refs.ModelExists)
        {
            return DomainError.NotFound($"No model '{model}'.");
        }

        if (state is not null)
        {
            return DomainError.Conflict($"Model '{model}' already has a version '{command.Version}'.");
        }

        if (command.ExperimentId is not null && refs.ExperimentModel is null)
        {
            return DomainError.Unprocessable($"No experiment '{command.ExperimentId}'.", "experimentId");
        }

        if (refs.ExperimentModel is not null && refs.ExperimentModel != model)
        {
            return DomainError.Unprocessable($"Experiment '{command.ExperimentId}' belongs to model '{refs.ExperimentModel}'.", "experimentId");
        }

        if (command.RunId is not null && !refs.RunExists)
        {
            return DomainError.Unprocessable($"Experiment '{command.ExperimentId}' has no run '{command.RunId}'.", "runId");
        }

        var datasets = command.TrainingDatasets ?? [];
        for (var i = 0; i < datasets.Count; i++)
        {
            if (!refs.Datasets.Contains(datasets[i]))
            {
                return DomainError.Unprocessable($"No dataset version '{datasets[i]}'.", $"trainingDatasets[{i}]");
            }
        }

        var parents = command.Parents ?? [];
        for (var i = 0; i < parents.Count; i++)
        {
            if (parents[i] == $"{model}@{command.Version}" || !refs.Parents.Contains(parents[i]))
            {
                return DomainError.Unprocessable($"No model version '{parents[i]}' to derive from.", $"parents[{i}]");
            }
        }

        return null;
    }

    /// <summary>The registration, each dataset and parent named once (<see cref="Check"/> has let it through).</summary>
    public static IReadOnlyList<object> Decide(RegisterModelVersion command, string model, Instant now, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(command);
        return [new ModelVersionRegistered(model, command.Version, command.ArtifactUri, command.Digest, command.ExperimentId, command.RunId,
            [.. (command.TrainingDatasets ?? []).Distinct()], [.. (command.Parents ?? []).Distinct()], command.CodeCommit,
            command.Config ?? new Dictionary<string, JsonElement>(), actor.Name, now)];
    }
}

/// <summary>POST /api/v1/models/{key}/versions.</summary>
public static class RegisterModelVersionEndpoint
{
    /// <summary>The version's own stream.</summary>
    public static string StreamOf(string key, RegisterModelVersion command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return ModelVersion.StreamId(key, command.Version);
    }

    /// <summary>The model, experiment, run, datasets and parents the version names, as far as they exist.</summary>
    public static async Task<RegisterModelVersion.References> LoadAsync(
        string key, RegisterModelVersion command, RegistryLookups lookups, DatasetQueries datasets, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(lookups);
        ArgumentNullException.ThrowIfNull(datasets);
        return new RegisterModelVersion.References(
            await lookups.ModelExistsAsync(key, ct),
            command.ExperimentId is null ? null : await lookups.ExperimentModelAsync(command.ExperimentId, ct),
            command.RunId is not null && command.ExperimentId is not null && await lookups.RunExistsAsync(command.ExperimentId, command.RunId, ct),
            await datasets.ExistingAsync(command.TrainingDatasets ?? [], ct),
            await lookups.ExistingModelVersionsAsync(command.Parents ?? [], ct));
    }

    /// <summary>Refuses with problem details before anything is appended.</summary>
    public static ProblemDetails Validate(
        RegisterModelVersion command, string key, RegisterModelVersion.References refs, IEventStream<Folded<ModelVersion>> version, HttpContext http) =>
        StreamRules.Check(http, version, (state, _) => RegisterModelVersion.Check(command, key, refs, state));

    /// <summary>Registers the version, which starts its stream.</summary>
    [WolverinePost("/api/v1/models/{key}/versions")]
    public static (IResult, Events) Post(
        RegisterModelVersion command, string key,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<ModelVersion>> version,
        HttpContext http, IClock clock) =>
        StreamCommand.Decide(http, version, clock, nameof(RegisterModelVersion),
            (_, now, actor) => RegisterModelVersion.Decide(command, key, now, actor),
            _ => Results.Created($"/api/v1/models/{key}/versions/{command.Version}",
                new RegisterModelVersion.Created(key, command.Version, ModelVersion.NodeId(key, command.Version))));

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.Metadata
            .RequireRole(Roles.Contributor)
            .WithTags("Model versions").WithName(nameof(RegisterModelVersion))
            .WithSummary("Register a model version with its artifact, run, training data, parents, commit and config.")
            .Produces<RegisterModelVersion.Created>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
    }
}
