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

namespace Governance.Api.Models;

/// <summary>Register a model: its key, owners, task and the stages it moves through.</summary>
public sealed record RegisterModel(string Key, string Name, string? Description, string Team, string TaskType, IReadOnlyList<string>? Stages, IReadOnlyList<Kpi>? Kpis)
{
    /// <summary>Shape rules.</summary>
    public sealed class Validator : AbstractValidator<RegisterModel>
    {
        public Validator()
        {
            RuleFor(c => c.Key).IsSlug();
            RuleFor(c => c.Name).NotEmpty().IsText(200);
            RuleFor(c => c.Description).IsText(20_000);
            RuleFor(c => c.Team).IsSlug();
            RuleFor(c => c.TaskType).NotEmpty().IsText(100);
            RuleForEach(c => c.Stages).IsSlug();
            RuleFor(c => c.Stages).Must(s => s is null || s.Count == 0 || s.Count >= 2).WithMessage("A model needs at least two stages (where it starts and where it goes).")
                .Must(s => s is null || s.Distinct(StringComparer.Ordinal).Count() == s.Count).WithMessage("Stage names must be distinct.")
                .Must(s => s is null || s.Count <= 20).WithMessage("At most 20 stages.");
            RuleFor(c => c.Kpis).Must(k => k is null || k.Count <= 50).WithMessage("At most 50 KPIs.");
            RuleForEach(c => c.Kpis).ChildRules(kpi =>
            {
                kpi.RuleFor(k => k.Name).NotEmpty().MaximumLength(200);
                kpi.RuleFor(k => k.Description).MaximumLength(2000);
                kpi.RuleFor(k => k.Target).MaximumLength(200);
            });
        }
    }

    /// <summary>A key names one model for good: registering it again is a conflict, not an update.</summary>
    public static DomainError? Check(RegisterModel command, Model? state) =>
        state is null ? null : DomainError.Conflict($"A model with key '{command.Key}' is already registered.");

    /// <summary>The registration, with the default stages when none are given.</summary>
    public static IReadOnlyList<object> Decide(RegisterModel command, Instant now, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(command);
        var stages = command.Stages is { Count: > 0 } given ? given : Model.DefaultStages;
        return [new ModelRegistered(command.Key, command.Name, command.Description ?? "", command.Team, command.TaskType,
            stages, command.Kpis ?? [], actor.Name, now)];
    }
}

/// <summary>POST /api/v1/models.</summary>
public static class RegisterModelEndpoint
{
    /// <summary>The model's stream.</summary>
    public static string StreamOf(RegisterModel command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return Model.StreamId(command.Key);
    }

    /// <summary>Refuses with problem details before anything is appended.</summary>
    public static ProblemDetails Validate(RegisterModel command, IEventStream<Folded<Model>> model, HttpContext http) =>
        StreamRules.Check(http, model, (state, _) => RegisterModel.Check(command, state));

    /// <summary>Registers the model; the answer is the model as the read model has it once the registration is committed.</summary>
    [WolverinePost("/api/v1/models")]
    public static (IResult, Events) Post(
        RegisterModel command,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Model>> model,
        HttpContext http, IClock clock, ModelQueries queries) =>
        StreamCommand.Decide(http, model, clock, nameof(RegisterModel),
            (_, now, actor) => RegisterModel.Decide(command, now, actor),
            _ => new RegisteredModel(command.Key, queries));

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.Metadata
            .RequireRole(Roles.Contributor)
            .WithTags("Models").WithName(nameof(RegisterModel))
            .WithSummary("Register a model with its team, task, stages and KPIs.")
            .Produces<ModelView>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status409Conflict);
    }

    // The answer runs after Wolverine commits, so the read model (written in the same transaction) already has the model.
    private sealed class RegisteredModel(string key, ModelQueries queries) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext) =>
            await Results.Created($"/api/v1/models/{key}", await queries.GetAsync(key, httpContext.RequestAborted)).ExecuteAsync(httpContext);
    }
}
