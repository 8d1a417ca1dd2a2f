using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Validation;
using NodaTime;

namespace Governance.Api.Incidents;

/// <summary>Open an incident on a model; it goes to the owning team's primary on call right now.</summary>
public sealed record OpenIncident(string Model, string? Stage, string? Version, Severity? Severity, string Title, string? Description,
    IncidentSource? Source, IncidentCategory? Category)
{
    /// <summary>Shape rules.</summary>
    public sealed class Validator : AbstractValidator<OpenIncident>
    {
        public Validator()
        {
            RuleFor(c => c.Model).IsSlug();
            RuleFor(c => c.Stage!).IsSlug().When(c => c.Stage is not null);
            RuleFor(c => c.Version!).IsLabel().When(c => c.Version is not null);
            RuleFor(c => c.Severity).NotNull().WithMessage("'Severity' is SEV1, SEV2, SEV3 or SEV4.");
            RuleFor(c => c.Title).NotEmpty().IsText(300);
            RuleFor(c => c.Description).IsText(20_000);
            RuleFor(c => c.Source).NotNull().WithMessage("'Source' is user-report, alert, slo-breach, pipeline-failure or data-quality.");
        }
    }

    /// <summary>The response.</summary>
    public sealed record Opened(string Id, string? Assignee, string? Team, Instant? AckDeadline);

    /// <summary>Pure decision: the model must exist; routing is to the primary on call at <paramref name="now"/>.</summary>
    public static Decision Decide(OpenIncident command, string id, IncidentRoute route, Incident? state, Instant now, Actor actor)
    {
        if (state is not null)
        {
            return DomainError.Conflict($"Incident '{id}' already exists.");
        }

        if (!route.ModelExists)
        {
            return DomainError.Unprocessable($"No model '{command.Model}'.", "model");
        }

        return Decision.Accept(Incident.Open(id, command.Model, route.Team, route.Rotation, command.Severity!.Value, command.Title,
            command.Description ?? "", command.Source!.Value, command.Category, command.Stage, command.Version, null, null, now, actor.Name));
    }

    /// <summary>POST /api/v1/incidents.</summary>
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapPost("/incidents", async (OpenIncident command, HttpContext http, CommandExecutor executor, IncidentRouting routing, CancellationToken ct) =>
            {
                var id = Incident.NewId();
                var route = await routing.RouteAsync(command.Model, ct);
                var outcome = await executor.ExecuteAsync<Incident>(http, nameof(OpenIncident), Incident.StreamId(id), Incident.StreamType,
                    (state, now, actor) => Decide(command, id, route, state, now, actor), ct, freshStream: true);
                if (!outcome.Succeeded)
                {
                    return outcome.Error!.ToResult();
                }

                var opened = (IncidentOpened)outcome.Appended!.Events[0].Data;
                return Results.Created($"/api/v1/incidents/{id}", new Opened(id, opened.Assignee, opened.Team, opened.AckDeadline));
            })
            .Validate<OpenIncident>()
            .RequireRole(Roles.Contributor)
            .WithTags("Incidents").WithName(nameof(OpenIncident))
            .WithSummary("Open an incident; it is routed to the owning team's primary on call.")
            .Produces<Opened>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
}
