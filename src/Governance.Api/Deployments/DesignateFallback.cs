using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Validation;
using Governance.Api.Models;
using Governance.EventLog.Streams;
using JasperFx.Events;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;
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
    /// State rules: the fallback is a registered version of the model other than the one running, and not one a rollback
    /// took out of the stage (a rollback must never go back to it implicitly); something must run.
    /// </summary>
    public static DomainError? Check(DesignateFallback command, string model, string stage, bool versionExists, Deployment? state)
    {
        ArgumentNullException.ThrowIfNull(command);
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

        return null;
    }

    /// <summary>The designation; none when it is the fallback already (<see cref="Check"/> has let it through).</summary>
    public static IReadOnlyList<object> Decide(DesignateFallback command, string model, string stage, Deployment state, Instant now, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(state);
        return state.Fallback == command.Version ? [] : [new FallbackDesignated(model, stage, command.Version, actor.Name, now)];
    }
}

/// <summary>Whether the version to fall back to is registered.</summary>
public sealed record FallbackVersionExists(bool Value);

/// <summary>PUT /api/v1/models/{key}/stages/{stage}/fallback.</summary>
public static class DesignateFallbackEndpoint
{
    /// <summary>The stage's deployment stream.</summary>
    public static string StreamOf(string key, string stage) => Deployment.StreamId(key, stage);

    /// <summary>The model and the stage must exist.</summary>
    public static async Task<IResult> BeforeAsync(string key, string stage, ModelQueries models, CancellationToken ct) =>
        await DeploymentQueries.StageErrorAsync(models, key, stage, ct) is { } missing ? missing.ToResult() : WolverineContinue.Result();

    /// <summary>Whether the named version is registered.</summary>
    public static async Task<FallbackVersionExists> LoadAsync(string key, DesignateFallback command, RegistryLookups lookups, CancellationToken ct) =>
        new(await lookups.ModelVersionExistsAsync(key, command.Version, ct));

    /// <summary>Refuses with problem details before anything is appended.</summary>
    public static ProblemDetails Validate(
        DesignateFallback command, string key, string stage, FallbackVersionExists exists, IEventStream<Folded<Deployment>> deployment, HttpContext http) =>
        StreamRules.Check(http, deployment, (state, _) => DesignateFallback.Check(command, key, stage, exists.Value, state));

    /// <summary>Designates the fallback.</summary>
    [WolverinePut("/api/v1/models/{key}/stages/{stage}/fallback")]
    public static (IResult, Events) Put(
        DesignateFallback command, string key, string stage,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Deployment>> deployment,
        HttpContext http, IClock clock) =>
        StreamCommand.Decide(http, deployment, clock, nameof(DesignateFallback),
            (state, now, actor) => DesignateFallback.Decide(command, key, stage, state!, now, actor),
            _ => Results.Ok(new DesignateFallback.Designated(key, stage, command.Version)));

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.Metadata
            .RequireRole(Roles.Approver)
            .WithTags("Deployments").WithName(nameof(DesignateFallback))
            .WithSummary("Designate the version a stage falls back to on rollback.")
            .Produces<DesignateFallback.Designated>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
    }
}
