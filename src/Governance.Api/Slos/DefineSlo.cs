using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Time;
using Governance.Api.Core.Validation;
using Governance.EventLog.Streams;
using JasperFx.Events;
using Microsoft.AspNetCore.Mvc;
using NodaTime;
using Npgsql;
using Wolverine.Http;
using Wolverine.Marten;

namespace Governance.Api.Slos;

/// <summary>Define an SLO on a model in a stage: a ratio SLI, an objective such as 0.95, a rolling window, and the label delay.</summary>
public sealed record DefineSlo(string Name, string Model, string Stage, double? Objective, string Window, string? LabelDelay, string? Description)
{
    /// <summary>Shape rules.</summary>
    public sealed class Validator : AbstractValidator<DefineSlo>
    {
        public Validator()
        {
            RuleFor(c => c.Name).NotEmpty().IsText(200);
            RuleFor(c => c.Model).IsSlug();
            RuleFor(c => c.Stage).IsSlug();
            RuleFor(c => c.Objective).IsObjective();
            RuleFor(c => c.Window).IsSloWindow();
            RuleFor(c => c.LabelDelay!).IsLabelDelay().When(c => c.LabelDelay is not null);
            RuleFor(c => c.Description).IsText(5000);
        }
    }

    /// <summary>The response.</summary>
    public sealed record Defined(string Id);

    /// <summary>"P28D" → 28 days, read by <see cref="TimeInput"/>; months and years have no fixed length and are refused.</summary>
    public static Duration? ParseDuration(string? text) => TimeInput.TryParseDuration(text, out var duration, out _) ? duration : null;

    /// <summary>State rules: the SLO is new, and its model exists and has the stage.</summary>
    public static DomainError? Check(DefineSlo command, string id, (string Team, IReadOnlyList<string> Stages)? model, Slo? state)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (state is not null)
        {
            return DomainError.Conflict($"SLO '{id}' already exists.");
        }

        if (model is not { } found)
        {
            return DomainError.Unprocessable($"No model '{command.Model}'.", "model");
        }

        return found.Stages.Contains(command.Stage)
            ? null
            : DomainError.Unprocessable($"Model '{command.Model}' has no stage '{command.Stage}' (it has {string.Join(", ", found.Stages)}).", "stage");
    }

    /// <summary>The SLO, owned by its model's <paramref name="team"/> (<see cref="Check"/> has let it through).</summary>
    public static IReadOnlyList<object> Decide(DefineSlo command, string id, string team, Instant now, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(command);
        return [new SloDefined(id, command.Name, command.Model, team, command.Stage, command.Objective!.Value,
            ParseDuration(command.Window)!.Value, ParseDuration(command.LabelDelay) ?? Duration.Zero, command.Description ?? "", actor.Name, now)];
    }
}

/// <summary>What a new SLO is decided on: the id the server gives it, and its model's team and stages (null: no such model).</summary>
public sealed record NewSlo(string Id, (string Team, IReadOnlyList<string> Stages)? Model);

/// <summary>POST /api/v1/slos.</summary>
public static class DefineSloEndpoint
{
    /// <summary>A fresh id and the model the SLO is on.</summary>
    public static async Task<NewSlo> LoadAsync(DefineSlo command, NpgsqlDataSource db, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(db);
        await using var cmd = db.CreateCommand("SELECT team, stages FROM governance.models WHERE key = $1");
        cmd.Parameters.Add(new() { Value = command.Model });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return new NewSlo(Slo.NewId(), await reader.ReadAsync(ct) ? (reader.GetString(0), reader.GetFieldValue<string[]>(1)) : null);
    }

    /// <summary>The new SLO's stream.</summary>
    public static string StreamOf(NewSlo slo) => Slo.StreamId(slo?.Id ?? throw new ArgumentNullException(nameof(slo)));

    /// <summary>Refuses with problem details before anything is appended.</summary>
    public static ProblemDetails Validate(DefineSlo command, [NotBody] NewSlo slo, IEventStream<Folded<Slo>> stream, HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(slo);
        return StreamRules.Check(http, stream, (state, _) => DefineSlo.Check(command, slo.Id, slo.Model, state));
    }

    /// <summary>Defines the SLO; its stream starts here.</summary>
    [WolverinePost("/api/v1/slos")]
    public static (IResult, Events) Post(
        DefineSlo command, [NotBody] NewSlo slo,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Slo>> stream,
        HttpContext http, IClock clock) =>
        StreamCommand.Decide(http, stream, clock, nameof(DefineSlo),
            (_, now, actor) => DefineSlo.Decide(command, slo.Id, slo.Model!.Value.Team, now, actor),
            _ => Results.Created($"/api/v1/slos/{slo.Id}", new DefineSlo.Defined(slo.Id)));

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.Metadata
            .RequireRole(Roles.Contributor)
            .WithTags("SLOs").WithName(nameof(DefineSlo))
            .WithSummary("Define an SLO on a model in a stage.")
            .Produces<DefineSlo.Defined>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
    }
}
