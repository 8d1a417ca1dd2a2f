using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Validation;
using Governance.Api.Incidents;
using Governance.Api.Rotations;
using Severity = Governance.Api.Incidents.Severity;
using Governance.EventLog.Streams;
using JasperFx.Events;
using Microsoft.AspNetCore.Mvc;
using Marten;
using NodaTime;
using Wolverine.Http;
using Wolverine.Marten;

namespace Governance.Api.Alerts;

/// <summary>A rule fired on a model. With a dedup key, a repeat of an unresolved alert is counted on it instead of opening another.</summary>
public sealed record FireAlert(
    string Rule, string Model, [property: System.Text.Json.Serialization.JsonConverter(typeof(AlertSeverityWords.Converter))] Severity? Severity, string? DedupKey, string Summary)
{
    /// <summary>Shape rules.</summary>
    public sealed class Validator : AbstractValidator<FireAlert>
    {
        public Validator()
        {
            RuleFor(c => c.Rule).NotEmpty().Matches(Rules.Label()).WithMessage("'Rule' must be 1–64 characters: letters, digits, '.', '_' and '-'.");
            RuleFor(c => c.Model).IsSlug();
            RuleFor(c => c.Severity).NotNull().WithMessage("'Severity' is SEV1, SEV2, SEV3, SEV4, critical, error, warning or info.");
            RuleFor(c => c.DedupKey).MaximumLength(200);
            RuleFor(c => c.Summary).NotEmpty().IsText(2000);
        }
    }

    /// <summary>The response: the alert, and whether this was a repeat of it.</summary>
    public sealed record Fired(string Id, bool Deduplicated, int Repeats);

    /// <summary>
    /// State rules: the model exists; a firing meant to count a repeat on the open alert <paramref name="id"/>
    /// (<paramref name="onOpen"/>) is refused when that alert was resolved between the look-up and the lock.
    /// </summary>
    public static DomainError? Check(FireAlert command, string id, bool onOpen, bool modelExists, Alert? state)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (onOpen && state?.Status is null or AlertStatus.Resolved)
        {
            return DomainError.Conflict($"Alert '{id}' was resolved meanwhile; fire again to open a new one.");
        }

        return modelExists ? null : DomainError.Unprocessable($"No model '{command.Model}'.", "model");
    }

    /// <summary>
    /// With an unresolved alert of the same dedup key, a repeat counted on it; otherwise a new alert, due for
    /// acknowledgement by the owning team's escalation policy (<paramref name="rotation"/>) or the defaults.
    /// </summary>
    public static IReadOnlyList<object> Decide(FireAlert command, string newId, string? team, Alert? open, Instant now, Actor actor, Rotation? rotation = null)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (open is not null && open.Status != AlertStatus.Resolved && command.DedupKey is not null && open.DedupKey == command.DedupKey)
        {
            return [new AlertRepeated(open.Id, open.Rule, open.Model, command.Summary, open.Repeats + 1, actor.Name, now)];
        }

        var severity = command.Severity!.Value;
        return [new AlertFired(newId, command.Rule, command.Model, team, severity, command.DedupKey, command.Summary, actor.Name, now,
            Incident.AckDeadlineFor(severity, rotation) is { } deadline ? now + deadline : null)];
    }
}

/// <summary>POST /api/v1/alerts.</summary>
public static class FireAlertEndpoint
{
    /// <summary>The alert a firing lands on (the unresolved one with its dedup key, or a new one) and the model's route.</summary>
    public sealed record Target(string Id, bool Open, IncidentRoute Route);

    /// <summary>
    /// Finds the unresolved alert with the firing's dedup key. Firings with one key wait here, in the command's transaction,
    /// until the one before has committed, so the second of two simultaneous firings counts a repeat on the alert the first
    /// opened instead of opening another.
    /// </summary>
    public static async Task<Target> LoadAsync(FireAlert command, IncidentRouting routing, IDocumentSession session, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(routing);
        ArgumentNullException.ThrowIfNull(session);
        var route = await routing.RouteAsync(command.Model, ct);
        if (command.DedupKey is not { } key)
        {
            return new Target(Alert.NewId(), false, route);
        }

        await session.BeginTransactionAsync(ct);
        return await AlertDedup.LockAndFindOpenAsync(session, key, ct) is { } open ? new Target(open, true, route) : new Target(Alert.NewId(), false, route);
    }

    /// <summary>The alert's stream.</summary>
    public static string StreamOf(Target target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return Alert.StreamId(target.Id);
    }

    /// <summary>Refuses with problem details before anything is appended.</summary>
    public static ProblemDetails Validate(FireAlert command, Target target, IEventStream<Folded<Alert>> alert, HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(target);
        return StreamRules.Check(http, alert, (state, _) => FireAlert.Check(command, target.Id, target.Open, target.Route.ModelExists, state));
    }

    /// <summary>Counts a repeat on the open alert, or fires a new one.</summary>
    [WolverinePost("/api/v1/alerts")]
    public static (IResult, Events) Post(
        FireAlert command, Target target,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Alert>> alert,
        HttpContext http, IClock clock)
    {
        ArgumentNullException.ThrowIfNull(target);
        return StreamCommand.Decide(http, alert, clock, nameof(FireAlert),
            (state, now, actor) => FireAlert.Decide(command, target.Id, target.Route.Team, state, now, actor, target.Route.Rotation),
            after => target.Open
                ? Results.Ok(new FireAlert.Fired(target.Id, true, after!.Repeats))
                : Results.Created($"/api/v1/alerts/{target.Id}", new FireAlert.Fired(target.Id, false, 0)));
    }

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.Metadata
            .RequireRole(Roles.Contributor)
            .WithTags("Alerts").WithName(nameof(FireAlert))
            .WithSummary("Fire an alert; repeats of an unresolved alert with the same dedupKey are counted on it (200).")
            .Produces<FireAlert.Fired>(StatusCodes.Status201Created)
            .Produces<FireAlert.Fired>()
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
    }
}
