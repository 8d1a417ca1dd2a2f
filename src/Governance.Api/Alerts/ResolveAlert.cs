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

/// <summary>The alert's condition cleared; the next firing with the same dedup key opens a new alert.</summary>
public sealed record ResolveAlert(string? Note)
{
    /// <summary>Shape rules.</summary>
    public sealed class Validator : AbstractValidator<ResolveAlert>
    {
        public Validator() => RuleFor(c => c.Note).IsText(5000);
    }

    /// <summary>The response.</summary>
    public sealed record Resolved(string Id, string Status);

    /// <summary>State rules: an alert is resolved once.</summary>
    public static DomainError? Check(string id, Alert? state)
    {
        if (state is null)
        {
            return DomainError.NotFound($"No alert '{id}'.");
        }

        return state.Status == AlertStatus.Resolved ? DomainError.Conflict($"Alert '{id}' is already resolved.") : null;
    }

    /// <summary>The resolution, on an alert <see cref="Check"/> has let through.</summary>
    public static IReadOnlyList<object> Decide(ResolveAlert command, string id, Alert state, Instant now, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(state);
        return [new AlertResolved(id, state.Rule, state.Model, command.Note, actor.Name, now)];
    }
}

/// <summary>POST /api/v1/alerts/{id}/resolution.</summary>
public static class ResolveAlertEndpoint
{
    /// <summary>The alert's stream.</summary>
    public static string StreamOf(string id) => Alert.StreamId(id);

    /// <summary>Refuses with problem details before anything is appended.</summary>
    public static ProblemDetails Validate(string id, IEventStream<Folded<Alert>> alert, HttpContext http) =>
        StreamRules.Check(http, alert, (state, _) => ResolveAlert.Check(id, state));

    /// <summary>Resolves the alert.</summary>
    [WolverinePost("/api/v1/alerts/{id}/resolution")]
    public static (IResult, Events) Post(
        ResolveAlert command, string id,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Alert>> alert,
        HttpContext http, IClock clock) =>
        StreamCommand.Decide(http, alert, clock, nameof(ResolveAlert),
            (state, now, actor) => ResolveAlert.Decide(command, id, state!, now, actor),
            _ => Results.Ok(new ResolveAlert.Resolved(id, "resolved")));

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.Metadata
            .RequireRole(Roles.Contributor)
            .WithTags("Alerts").WithName(nameof(ResolveAlert))
            .WithSummary("Resolve an alert.")
            .Produces<ResolveAlert.Resolved>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
    }
}
