using System.Text.Json;
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

/// <summary>Record a training run: code, config, params, seed, data, environment, metrics and times.</summary>
public sealed record RecordRun(
    string RunId, string CodeCommit, string ConfigHash, IReadOnlyDictionary<string, JsonElement>? Params, long? Seed,
    IReadOnlyList<string>? Datasets, string? Environment, IReadOnlyDictionary<string, double>? Metrics, Instant? StartedAt, Instant? FinishedAt)
{
    /// <summary>Shape rules.</summary>
    public sealed class Validator : AbstractValidator<RecordRun>
    {
        public Validator()
        {
            RuleFor(c => c.RunId).IsLabel();
            RuleFor(c => c.CodeCommit).NotEmpty().IsText(100);
            RuleFor(c => c.ConfigHash).NotEmpty().IsText(200);
            RuleFor(c => c.Environment).IsText(2000);
            RuleFor(c => c.Params).Must(p => p is null || p.Count <= 500).WithMessage("At most 500 params.");
            RuleFor(c => c.Metrics).Must(m => m is null || m.Count <= 500).WithMessage("At most 500 metrics.")
                .Must(m => m is null || m.Values.All(double.IsFinite)).WithMessage("Metrics must be finite numbers.");
            RuleForEach(c => c.Datasets).IsVersionRef();
            RuleFor(c => c.FinishedAt).GreaterThanOrEqualTo(c => c.StartedAt).When(c => c.StartedAt is not null && c.FinishedAt is not null)
                .WithMessage("'FinishedAt' cannot be before 'StartedAt'.");
        }
    }

    /// <summary>The response.</summary>
    public sealed record Recorded(string ExperimentId, string RunId, string Node);

    /// <summary>Runs go into open experiments, once per run id, on data that exists.</summary>
    public static DomainError? Check(RecordRun command, string experimentId, Func<string, bool> datasetExists, Experiment? state)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(datasetExists);
        if (state is null)
        {
            return DomainError.NotFound($"No experiment '{experimentId}'.");
        }

        if (state.Outcome is not null)
        {
            return DomainError.Conflict($"Experiment '{experimentId}' was concluded ({state.Outcome.ToString()!.ToLowerInvariant()}); start a new one.");
        }

        if (state.Runs.Any(r => r.RunId == command.RunId))
        {
            return DomainError.Conflict($"Run '{command.RunId}' is already recorded.");
        }

        var datasets = command.Datasets ?? [];
        for (var i = 0; i < datasets.Count; i++)
        {
            if (!datasetExists(datasets[i]))
            {
                return DomainError.Unprocessable($"No dataset version '{datasets[i]}'.", $"datasets[{i}]");
            }
        }

        return null;
    }

    /// <summary>The run, each dataset version named once.</summary>
    public static IReadOnlyList<object> Decide(RecordRun command, string experimentId, Experiment state, Instant now, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(state);
        return [new RunRecorded(experimentId, state.Model, command.RunId, command.CodeCommit, command.ConfigHash,
            command.Params ?? new Dictionary<string, JsonElement>(), command.Seed, [.. (command.Datasets ?? []).Distinct()], command.Environment,
            command.Metrics ?? new Dictionary<string, double>(), command.StartedAt, command.FinishedAt, actor.Name, now)];
    }
}

/// <summary>POST /api/v1/experiments/{id}/runs.</summary>
public static class RecordRunEndpoint
{
    /// <summary>The experiment's stream.</summary>
    public static string StreamOf(string id) => Experiment.StreamId(id);

    /// <summary>Which of the named datasets exist.</summary>
    public static Task<HashSet<string>> LoadAsync(RecordRun command, Datasets.DatasetQueries datasets, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(datasets);
        return datasets.ExistingAsync(command.Datasets ?? [], ct);
    }

    /// <summary>Refuses with problem details before anything is appended.</summary>
    public static ProblemDetails Validate(
        RecordRun command, string id, HashSet<string> existingDatasets, IEventStream<Folded<Experiment>> experiment, HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(existingDatasets);
        return StreamRules.Check(http, experiment, (state, _) => RecordRun.Check(command, id, existingDatasets.Contains, state));
    }

    /// <summary>Records the run.</summary>
    [WolverinePost("/api/v1/experiments/{id}/runs")]
    public static (IResult, Events) Post(
        RecordRun command, string id,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Experiment>> experiment,
        HttpContext http, IClock clock) =>
        StreamCommand.Decide(http, experiment, clock, nameof(RecordRun),
            (state, now, actor) => RecordRun.Decide(command, id, state!, now, actor),
            _ => Results.Created($"/api/v1/experiments/{id}", new RecordRun.Recorded(id, command.RunId, Experiment.RunNodeId(id, command.RunId))));

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.Metadata
            .RequireRole(Roles.Contributor)
            .WithTags("Experiments").WithName(nameof(RecordRun))
            .WithSummary("Record a run of an experiment.")
            .Produces<RecordRun.Recorded>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
    }
}
