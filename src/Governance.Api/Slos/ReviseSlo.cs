using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Validation;
using NodaTime;

namespace Governance.Api.Slos;

/// <summary>
/// Revise an SLO's name, objective, window, label delay or description. Its model and stage stay: an SLO on another
/// model or stage is another SLO. Measurements are kept; from now on they are judged by the new definition.
/// </summary>
public sealed record ReviseSlo(string Name, double? Objective, string Window, string? LabelDelay, string? Description)
{
    /// <summary>Shape rules, the same as for a definition.</summary>
    public sealed class Validator : AbstractValidator<ReviseSlo>
    {
        public Validator()
        {
            RuleFor(c => c.Name).NotEmpty().IsText(200);
            RuleFor(c => c.Objective).IsObjective();
            RuleFor(c => c.Window).IsSloWindow();
            RuleFor(c => c.LabelDelay!).IsLabelDelay().When(c => c.LabelDelay is not null);
            RuleFor(c => c.Description).IsText(5000);
        }
    }

    /// <summary>The response: the SLO and its definition as now in force.</summary>
    public sealed record Revised(string Id, string Name, double Objective, Duration Window, Duration LabelDelay, string Description);

    /// <summary>
    /// Pure decision: the SLO must exist; a definition equal to the current one changes nothing (pipelines re-apply
    /// their SLOs on every deploy and must not churn revisions).
    /// </summary>
    public static Decision Decide(ReviseSlo command, string id, Slo? state, Instant now, Actor actor)
    {
        if (state is null)
        {
            return DomainError.NotFound($"No SLO '{id}'.");
        }

        var window = DefineSlo.ParseDuration(command.Window)!.Value;
        var labelDelay = DefineSlo.ParseDuration(command.LabelDelay) ?? Duration.Zero;
        var description = command.Description ?? "";
        if (state.Name == command.Name && state.Objective.Equals(command.Objective) && state.Window == window && state.LabelDelay == labelDelay
            && state.Description == description)
        {
            return Decision.Unchanged;
        }

        return Decision.Accept(new SloRevised(id, command.Name, state.Model, state.Stage, command.Objective!.Value, window, labelDelay, description,
            state.Objective, state.Window, actor.Name, now));
    }

    /// <summary>PUT /api/v1/slos/{id}.</summary>
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapPut("/slos/{id}", async (string id, ReviseSlo command, HttpContext http, CommandExecutor executor, CancellationToken ct) =>
            {
                var outcome = await executor.ExecuteAsync<Slo>(http, nameof(ReviseSlo), Slo.StreamId(id), Slo.StreamType,
                    (state, now, actor) => Decide(command, id, state, now, actor), ct);
                if (!outcome.Succeeded)
                {
                    return outcome.Error!.ToResult();
                }

                var slo = outcome.State!;
                return Results.Ok(new Revised(slo.Id, slo.Name, slo.Objective, slo.Window, slo.LabelDelay, slo.Description));
            })
            .Validate<ReviseSlo>()
            .RequireRole(Roles.Contributor)
            .WithTags("SLOs").WithName(nameof(ReviseSlo))
            .WithSummary("Revise an SLO's objective, window, label delay, name or description (its model and stage stay).")
            .Produces<Revised>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);
}
