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

namespace Governance.Api.Datasets;

/// <summary>Register a version of a dataset: uri, digest, size and the versions it was derived from.</summary>
public sealed record RegisterDatasetVersion(string Version, string Uri, string Digest, long? Rows, IReadOnlyList<string>? Parents)
{
    /// <summary>Shape rules.</summary>
    public sealed class Validator : AbstractValidator<RegisterDatasetVersion>
    {
        public Validator()
        {
            RuleFor(c => c.Version).IsLabel();
            RuleFor(c => c.Uri).NotEmpty().IsText(2000);
            RuleFor(c => c.Digest).NotEmpty().Matches(Rules.Digest()).WithMessage("'Digest' must be 'sha256:' followed by 64 lowercase hex digits.");
            RuleFor(c => c.Rows).GreaterThanOrEqualTo(0);
            RuleFor(c => c.Parents).Must(p => p is null || p.Count <= 100).WithMessage("At most 100 parents.");
            RuleForEach(c => c.Parents).IsVersionRef();
        }
    }

    /// <summary>The response.</summary>
    public sealed record Created(string Name, string Version, string Node);

    /// <summary>State rules: a version is registered once and its parents must exist.</summary>
    public static DomainError? Check(RegisterDatasetVersion command, string name, Dataset? state, Func<string, bool> parentExists)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(parentExists);
        if (state is not null && state.Versions.ContainsKey(command.Version))
        {
            return DomainError.Conflict($"Dataset '{name}' already has a version '{command.Version}'.");
        }

        var parents = command.Parents ?? [];
        for (var i = 0; i < parents.Count; i++)
        {
            if (parents[i] == $"{name}@{command.Version}")
            {
                return DomainError.Unprocessable("A dataset version cannot be its own parent.", $"parents[{i}]");
            }

            if (!parentExists(parents[i]))
            {
                return DomainError.Unprocessable($"No dataset version '{parents[i]}'.", $"parents[{i}]");
            }
        }

        return null;
    }

    /// <summary>The registration, each parent named once (<see cref="Check"/> has let it through).</summary>
    public static IReadOnlyList<object> Decide(RegisterDatasetVersion command, string name, Instant now, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(command);
        return [new DatasetVersionRegistered(name, command.Version, command.Uri, command.Digest, command.Rows, [.. (command.Parents ?? []).Distinct()], actor.Name, now)];
    }
}

/// <summary>POST /api/v1/datasets/{name}/versions.</summary>
public static class RegisterDatasetVersionEndpoint
{
    /// <summary>The dataset's stream.</summary>
    public static string StreamOf(string name) => Dataset.StreamId(name);

    /// <summary>The name is checked before anything is loaded.</summary>
    public static IResult Before(string name) =>
        Rules.Label().IsMatch(name)
            ? WolverineContinue.Result()
            : DomainError.Invalid("name", "A dataset name holds letters, digits, '.', '_' and '-' (1–64), starting with a letter or digit.").ToResult();

    /// <summary>Which of the named parents exist.</summary>
    public static Task<HashSet<string>> LoadAsync(RegisterDatasetVersion command, DatasetQueries queries, CancellationToken ct) =>
        queries.ExistingAsync(command.Parents ?? [], ct);

    /// <summary>Refuses with problem details before anything is appended.</summary>
    public static ProblemDetails Validate(
        RegisterDatasetVersion command, string name, HashSet<string> existingParents, IEventStream<Folded<Dataset>> dataset, HttpContext http) =>
        StreamRules.Check(http, dataset, (state, _) => RegisterDatasetVersion.Check(command, name, state, existingParents.Contains));

    /// <summary>Registers the version; the first version starts the dataset's stream.</summary>
    [WolverinePost("/api/v1/datasets/{name}/versions")]
    public static (IResult, Events) Post(
        RegisterDatasetVersion command, string name,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Dataset>> dataset,
        HttpContext http, IClock clock) =>
        StreamCommand.Decide(http, dataset, clock, nameof(RegisterDatasetVersion),
            (_, now, actor) => RegisterDatasetVersion.Decide(command, name, now, actor),
            _ => Results.Created($"/api/v1/datasets/{name}/versions/{command.Version}",
                new RegisterDatasetVersion.Created(name, command.Version, Dataset.NodeId(name, command.Version))));

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.Metadata
            .RequireRole(Roles.Contributor)
            .WithTags("Datasets").WithName(nameof(RegisterDatasetVersion))
            .WithSummary("Register a dataset version with its digest and parent versions.")
            .Produces<RegisterDatasetVersion.Created>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
    }
}
