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

namespace Governance.Api.Alerts;

/// <summary>Acknowledge an alert and say whether it was actionable: the raw material of the noise report.</summary>
public sealed record AcknowledgeAlert(bool? Actionable, string? Note)
{
    /// <summary>Shape rules.</summary>
    public sealed class Validator : AbstractValidator<AcknowledgeAlert>
    {
        public Validator()
        {
            RuleFor(c => c.Actionable).NotNull().WithMessage("Say whether the alert was actionable (true or false).");
            RuleFor(c => c.Note).IsText(5000);
        }
    }

    /// <summary>The response.</summary>
    public sealed record Acknowledged(string Id, bool Actionable);

    /// <summary>State rules: an alert is acknowledged once, and not after it is resolved.</summary>
    public static DomainError? Check(string id, Alert? state)
    {
        if (state is null)
        {
            return DomainError.NotFound($"No alert '{id}'.");
        }

        return state.AcknowledgedAt is not null || state.Status == AlertStatus.Resolved
            ? DomainError.Conflict($"Alert '{id}' is already {(state.AcknowledgedAt is not null ? "acknowledged" : "resolved")}.")
            : null;
    }

    /// <summary>The acknowledgement, on an alert <see cref="Check"/> has let through.</summary>
    public static IReadOnlyList<object> Decide(AcknowledgeAlert command, string id, Alert state, Instant now, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(state);
        return [new AlertAcknowledged(id, state.Rule, state.Model, command.Actionable!.Value, command.Note, actor.Name, now)];
    }
}

/// <summary>POST /api/v1/alerts/{id}/acknowledgement.</summary>
public static class AcknowledgeAlertEndpoint
{
    /// <summary>The alert's stream.</summary>
    public static string StreamOf(string id) => Alert.StreamId(id);

    /// <summary>Refuses with problem details before anything is appended.</summary>
    public static ProblemDetails Validate(string id, IEventStream<Folded<Alert>> alert, HttpContext http) =>
        StreamRules.Check(http, alert, (state, _) => AcknowledgeAlert.Check(id, state));

    /// <summary>Acknowledges the alert.</summary>
    [WolverinePost("/api/v1/alerts/{id}/acknowledgement")]
    public static (IResult, Events) Post(
        AcknowledgeAlert command, string id,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Alert>> alert,
        HttpContext http, IClock clock) =>
        StreamCommand.Decide(http, alert, clock, nameof(AcknowledgeAlert),
            (state, now, actor) => AcknowledgeAlert.Decide(command, id, state!, now, actor),
            _ => Results.Ok(new AcknowledgeAlert.Acknowledged(id, command.Actionable!.Value)));

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.Metadata
            .RequireRole(Roles.OnCall)
            .WithTags("Alerts").WithName(nameof(AcknowledgeAlert))
            .WithSummary("Acknowledge an alert, saying whether it was actionable.")
            .Produces<AcknowledgeAlert.Acknowledged>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
    }
}
