using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Validation;
using NodaTime;

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

    /// <summary>Pure decision: only known, unflagged versions can be flagged.</summary>
    public static Decision Decide(FlagDatasetVersion command, string name, string version, Dataset? state, Instant now, Actor actor)
    {
        if (state is null || !state.Versions.TryGetValue(version, out var found))
        {
            return DomainError.NotFound($"No dataset version '{name}@{version}'.");
        }

        if (found.FlaggedReason is not null)
        {
            return DomainError.Conflict($"'{name}@{version}' is already flagged: {found.FlaggedReason}");
        }

        return Decision.Accept(new DatasetVersionFlagged(name, version, command.Reason, actor.Name, now));
    }

    /// <summary>POST /api/v1/datasets/{name}/versions/{version}/flag.</summary>
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapPost("/datasets/{name}/versions/{version}/flag", async (string name, string version, FlagDatasetVersion command, HttpContext http, CommandExecutor executor, CancellationToken ct) =>
            {
                var outcome = await executor.ExecuteAsync<Dataset>(http, nameof(FlagDatasetVersion), Dataset.StreamId(name), Dataset.StreamType,
                    (state, now, actor) => Decide(command, name, version, state, now, actor), ct);
                return outcome.Succeeded ? Results.Ok(new Flagged(name, version, command.Reason)) : outcome.Error!.ToResult();
            })
            .Validate<FlagDatasetVersion>()
            .RequireRole(Roles.Contributor)
            .WithTags("Datasets").WithName(nameof(FlagDatasetVersion))
            .WithSummary("Flag a dataset version as bad.")
            .Produces<Flagged>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
}
