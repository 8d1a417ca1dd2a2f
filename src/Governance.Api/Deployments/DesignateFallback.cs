using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Validation;
using Governance.Api.Models;
using NodaTime;
using NodaTime.Text;

namespace Governance.Api.Deployments;

/// <summary>Choose the version a stage falls back to.</summary>
public sealed record DesignateFallback(string Version)
{
    /// <summary>Shape rules.</summary>
    public sealed class Validator : AbstractValidator<DesignateFallback>
    {
        public Validator() => RuleFor(c => c.Version).IsLabel();
    }

    /// <summary>The response.</summary>
    public sealed record Designated(string Model, string Stage, string Fallback);

    /// <summary>
    /// Pure decision: the fallback is a registered version of the model other than the one running, and not one a rollback
    /// took out of the stage (a rollback must never go back to it implicitly); something must run.
    /// </summary>
    public static Decision Decide(DesignateFallback command, string model, string stage, bool versionExists, Deployment? state, Instant now, Actor actor)
    {
        if (!versionExists)
        {
            return DomainError.Unprocessable($"Model '{model}' has no version '{command.Version}'.", "version");
        }

        if (state?.Current is not { } current)
        {
            return DomainError.Conflict($"Nothing runs in '{stage}' of model '{model}' yet; deploy a version before choosing its fallback.");
        }

        if (current.Version == command.Version)
        {
            return DomainError.Unprocessable($"{model}@{command.Version} is what runs in '{stage}'; a fallback is another version.", "version");
        }

        if (state.RolledBackFrom(command.Version) is { } rolledBack)
        {
            return DomainError.Conflict(
                $"{model}@{command.Version} was rolled back from '{stage}' at {InstantPattern.ExtendedIso.Format(rolledBack.At)}; a rollback never returns to it unasked, " +
                "so it is not a fallback until it runs there again. To return to it now, roll back naming it with toVersion.");
        }

        return state.Fallback == command.Version
            ? Decision.Unchanged
            : Decision.Accept(new FallbackDesignated(model, stage, command.Version, actor.Name, now));
    }

    /// <summary>PUT /api/v1/models/{key}/stages/{stage}/fallback.</summary>
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapPut("/models/{key}/stages/{stage}/fallback", async (string key, string stage, DesignateFallback command, HttpContext http,
                CommandExecutor executor, ModelQueries models, RegistryLookups lookups, CancellationToken ct) =>
            {
                if (await DeploymentQueries.StageErrorAsync(models, key, stage, ct) is { } missing)
                {
                    return missing.ToResult();
                }

                var exists = await lookups.ModelVersionExistsAsync(key, command.Version, ct);
                var outcome = await executor.ExecuteAsync<Deployment>(http, nameof(DesignateFallback), Deployment.StreamId(key, stage), Deployment.StreamType,
                    (state, now, actor) => Decide(command, key, stage, exists, state, now, actor), ct);
                return outcome.Succeeded ? Results.Ok(new Designated(key, stage, command.Version)) : outcome.Error!.ToResult();
            })
            .Validate<DesignateFallback>()
            .RequireRole(Roles.Approver)
            .WithTags("Deployments").WithName(nameof(DesignateFallback))
            .WithSummary("Designate the version a stage falls back to on rollback.")
            .Produces<Designated>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
}
