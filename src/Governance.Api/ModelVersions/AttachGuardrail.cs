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

namespace Governance.Api.ModelVersions;

/// <summary>Attach a versioned guardrail (heuristic filter, rule) to a model version, so it is versioned with the model.</summary>
public sealed record AttachGuardrail(string Name, string Version, string? Description)
{
    /// <summary>Shape rules.</summary>
    public sealed class Validator : AbstractValidator<AttachGuardrail>
    {
        public Validator()
        {
            RuleFor(c => c.Name).IsLabel();
            RuleFor(c => c.Version).IsLabel();
            RuleFor(c => c.Description).IsText(5000);
        }
    }

    /// <summary>The response: the guardrail as name@version.</summary>
    public sealed record Attached(string Model, string Version, string Guardrail);

    /// <summary>State rules: the model version exists, and takes one version of a guardrail once.</summary>
    public static DomainError? Check(AttachGuardrail command, string model, string version, ModelVersion? state)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (state is null)
        {
            return DomainError.NotFound($"No model version '{model}@{version}'.");
        }

        if (state.Guardrails.Any(g => g.Name == command.Name && g.Version == command.Version))
        {
            return DomainError.Conflict($"Guardrail '{command.Name}@{command.Version}' is already attached.");
        }

        return null;
    }

    /// <summary>The attachment (<see cref="Check"/> has let it through).</summary>
    public static IReadOnlyList<object> Decide(AttachGuardrail command, string model, string version, Instant now, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(command);
        return [new GuardrailAttached(model, version, command.Name, command.Version, command.Description ?? "", actor.Name, now)];
    }
}

/// <summary>POST /api/v1/models/{key}/versions/{version}/guardrails.</summary>
public static class AttachGuardrailEndpoint
{
    /// <summary>The model version's stream.</summary>
    public static string StreamOf(string key, string version) => ModelVersion.StreamId(key, version);

    /// <summary>Refuses with problem details before anything is appended.</summary>
    public static ProblemDetails Validate(AttachGuardrail command, string key, string version, IEventStream<Folded<ModelVersion>> modelVersion, HttpContext http) =>
        StreamRules.Check(http, modelVersion, (state, _) => AttachGuardrail.Check(command, key, version, state));

    /// <summary>Attaches the guardrail.</summary>
    [WolverinePost("/api/v1/models/{key}/versions/{version}/guardrails")]
    public static (IResult, Events) Post(
        AttachGuardrail command, string key, string version,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<ModelVersion>> modelVersion,
        HttpContext http, IClock clock) =>
        StreamCommand.Decide(http, modelVersion, clock, nameof(AttachGuardrail),
            (_, now, actor) => AttachGuardrail.Decide(command, key, version, now, actor),
            _ => Results.Created($"/api/v1/models/{key}/versions/{version}",
                new AttachGuardrail.Attached(key, version, $"{command.Name}@{command.Version}")));

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.Metadata
            .RequireRole(Roles.Contributor)
            .WithTags("Model versions").WithName(nameof(AttachGuardrail))
            .WithSummary("Attach a versioned guardrail to a model version.")
            .Produces<AttachGuardrail.Attached>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
    }
}
