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

/// <summary>Flag a dataset version as bad, with the reason, so everyone downstream can see it.</summary>
public sealed record FlagDatasetVersion(string Reason)
{
    /// <summary>Shape rules.</summary>
    public sealed class Validator : AbstractValidator<FlagDatasetVersion>
    {
        public Validator() => RuleFor(c => c.Reason).NotEmpty().IsText(5000);
    }

    /// <summary>The response.</summary>
    public sealed record Flagged(string Name, string Version, string Reason);

    /// <summary>State rules: only known, unflagged versions can be flagged.</summary>
    public static DomainError? Check(string name, string version, Dataset? state)
    {
        if (state is null || !state.Versions.TryGetValue(version, out var found))
        {
            return DomainError.NotFound($"No dataset version '{name}@{version}'.");
        }

        if (found.FlaggedReason is not null)
        {
            return DomainError.Conflict($"'{name}@{version}' is already flagged: {found.FlaggedReason}");
        }

        return null;
    }

    /// <summary>The flag, with its reason (<see cref="Check"/> has let it through).</summary>
    public static IReadOnlyList<object> Decide(FlagDatasetVersion command, string name, string version, Instant now, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(command);
        return [new DatasetVersionFlagged(name, version, command.Reason, actor.Name, now)];
    }
}

/// <summary>POST /api/v1/datasets/{name}/versions/{version}/flag.</summary>
public static class FlagDatasetVersionEndpoint
{
    /// <summary>The dataset's stream.</summary>
    public static string StreamOf(string name) => Dataset.StreamId(name);

    /// <summary>Refuses with problem details before anything is appended.</summary>
    public static ProblemDetails Validate(string name, string version, IEventStream<Folded<Dataset>> dataset, HttpContext http) =>
        StreamRules.Check(http, dataset, (state, _) => FlagDatasetVersion.Check(name, version, state));

    /// <summary>Flags the version.</summary>
    [WolverinePost("/api/v1/datasets/{name}/versions/{version}/flag")]
    public static (IResult, Events) Post(
        FlagDatasetVersion command, string name, string version,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Dataset>> dataset,
        HttpContext http, IClock clock) =>
        StreamCommand.Decide(http, dataset, clock, nameof(FlagDatasetVersion),
            (_, now, actor) => FlagDatasetVersion.Decide(command, name, version, now, actor),
            _ => Results.Ok(new FlagDatasetVersion.Flagged(name, version, command.Reason)));

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.Metadata
            .RequireRole(Roles.Contributor)
            .WithTags("Datasets").WithName(nameof(FlagDatasetVersion))
            .WithSummary("Flag a dataset version as bad.")
            .Produces<FlagDatasetVersion.Flagged>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
    }
}
