using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Validation;
using NodaTime;
using Governance.Api.Core.Time;
using Npgsql;

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

    /// <summary>Pure decision: the model must exist and have the stage.</summary>
    public static Decision Decide(DefineSlo command, string id, (string Team, IReadOnlyList<string> Stages)? model, Slo? state, Instant now, Actor actor)
    {
        if (state is not null)
        {
            return DomainError.Conflict($"SLO '{id}' already exists.");
        }

        if (model is not { } found)
        {
            return DomainError.Unprocessable($"No model '{command.Model}'.", "model");
        }

        if (!found.Stages.Contains(command.Stage))
        {
            return DomainError.Unprocessable($"Model '{command.Model}' has no stage '{command.Stage}' (it has {string.Join(", ", found.Stages)}).", "stage");
        }

        return Decision.Accept(new SloDefined(id, command.Name, command.Model, found.Team, command.Stage, command.Objective!.Value,
            ParseDuration(command.Window)!.Value, ParseDuration(command.LabelDelay) ?? Duration.Zero, command.Description ?? "", actor.Name, now));
    }

    /// <summary>POST /api/v1/slos.</summary>
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapPost("/slos", async (DefineSlo command, HttpContext http, CommandExecutor executor, NpgsqlDataSource db, CancellationToken ct) =>
            {
                var id = Slo.NewId();
                (string, IReadOnlyList<string>)? model = null;
                await using (var cmd = db.CreateCommand("SELECT team, stages FROM governance.models WHERE key = $1"))
                {
                    cmd.Parameters.Add(new() { Value = command.Model });
                    await using var reader = await cmd.ExecuteReaderAsync(ct);
                    if (await reader.ReadAsync(ct))
                    {
                        model = (reader.GetString(0), reader.GetFieldValue<string[]>(1));
                    }
                }

                var outcome = await executor.ExecuteAsync<Slo>(http, nameof(DefineSlo), Slo.StreamId(id), Slo.StreamType,
                    (state, now, actor) => Decide(command, id, model, state, now, actor), ct, freshStream: true);
                return outcome.Succeeded ? Results.Created($"/api/v1/slos/{id}", new Defined(id)) : outcome.Error!.ToResult();
            })
            .Validate<DefineSlo>()
            .RequireRole(Roles.Contributor)
            .WithTags("SLOs").WithName(nameof(DefineSlo))
            .WithSummary("Define an SLO on a model in a stage.")
            .Produces<Defined>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
}
