using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Validation;
using Governance.Api.Incidents;
using Governance.Api.Rotations;
using Severity = Governance.Api.Incidents.Severity;
using NodaTime;
using Npgsql;

namespace Governance.Api.Alerts;

/// <summary>A rule fired on a model. With a dedup key, a repeat of an unresolved alert is counted on it instead of opening another.</summary>
public sealed record FireAlert(string Rule, string Model, Severity? Severity, string? DedupKey, string Summary)
{
    /// <summary>Shape rules.</summary>
    public sealed class Validator : AbstractValidator<FireAlert>
    {
        public Validator()
        {
            RuleFor(c => c.Rule).NotEmpty().Matches(Rules.Label()).WithMessage("'Rule' must be 1–64 characters: letters, digits, '.', '_' and '-'.");
            RuleFor(c => c.Model).IsSlug();
            RuleFor(c => c.Severity).NotNull().WithMessage("'Severity' is SEV1, SEV2, SEV3 or SEV4.");
            RuleFor(c => c.DedupKey).MaximumLength(200);
            RuleFor(c => c.Summary).NotEmpty().IsText(2000);
        }
    }

    /// <summary>The response: the alert, and whether this was a repeat of it.</summary>
    public sealed record Fired(string Id, bool Deduplicated, int Repeats);

    /// <summary>
    /// Pure decision: with an unresolved alert of the same dedup key, count a repeat on it; otherwise fire a new alert,
    /// due for acknowledgement by the owning team's escalation policy (<paramref name="rotation"/>) or the defaults.
    /// </summary>
    public static Decision Decide(FireAlert command, string newId, string? team, bool modelExists, Alert? open, Instant now, Actor actor, Rotation? rotation = null)
    {
        if (!modelExists)
        {
            return DomainError.Unprocessable($"No model '{command.Model}'.", "model");
        }

        if (open is not null && open.Status != AlertStatus.Resolved && command.DedupKey is not null && open.DedupKey == command.DedupKey)
        {
            return Decision.Accept(new AlertRepeated(open.Id, open.Rule, open.Model, command.Summary, open.Repeats + 1, actor.Name, now));
        }

        var severity = command.Severity!.Value;
        return Decision.Accept(new AlertFired(newId, command.Rule, command.Model, team, severity, command.DedupKey, command.Summary, actor.Name, now,
            Incident.AckDeadlineFor(severity, rotation) is { } deadline ? now + deadline : null));
    }

    /// <summary>How often a firing looks up its dedup key's open alert again when racing writers change it under it.</summary>
    private const int MaxAttempts = 5;

    /// <summary>POST /api/v1/alerts.</summary>
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapPost("/alerts", async (FireAlert command, HttpContext http, CommandExecutor executor, IncidentRouting routing, NpgsqlDataSource db, CancellationToken ct) =>
            {
                var route = await routing.RouteAsync(command.Model, ct);
                for (var attempt = 1; ; attempt++)
                {
                    var openId = command.DedupKey is null ? null : await OpenAlertAsync(db, command.DedupKey, ct);
                    var id = openId ?? Alert.NewId();
                    try
                    {
                        // If the open alert was resolved since the look-up, look again rather than append a new alert to its stream.
                        var outcome = await executor.ExecuteAsync<Alert>(http, nameof(FireAlert), Alert.StreamId(id), Alert.StreamType,
                            (state, now, actor) => openId is not null && state?.Status is null or AlertStatus.Resolved
                                ? DomainError.Conflict($"Alert '{id}' was resolved meanwhile.")
                                : Decide(command, id, route.Team, route.ModelExists, state, now, actor, route.Rotation), ct);
                        if (!outcome.Succeeded && openId is not null && outcome.Error!.Status == StatusCodes.Status409Conflict && attempt < MaxAttempts)
                        {
                            continue;
                        }

                        if (!outcome.Succeeded)
                        {
                            return outcome.Error!.ToResult();
                        }

                        return outcome.Appended!.Events[0].Data is AlertRepeated repeated
                            ? Results.Ok(new Fired(id, true, repeated.Count))
                            : Results.Created($"/api/v1/alerts/{id}", new Fired(id, false, 0));
                    }
                    catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
                    {
                        // Another request opened an alert with this key between our look-up and our append: count on that one.
                        if (attempt == MaxAttempts)
                        {
                            return DomainError.Conflict(
                                $"Alerts with dedup key '{command.DedupKey}' kept being opened and resolved while this one was recorded; send it again.").ToResult();
                        }
                    }
                }
            })
            .Validate<FireAlert>()
            .RequireRole(Roles.Contributor)
            .WithTags("Alerts").WithName(nameof(FireAlert))
            .WithSummary("Fire an alert; repeats of an unresolved alert with the same dedupKey are counted on it (200).")
            .Produces<Fired>(StatusCodes.Status201Created)
            .Produces<Fired>()
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

    private static async Task<string?> OpenAlertAsync(NpgsqlDataSource db, string dedupKey, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT id FROM governance.alerts WHERE dedup_key = $1 AND status <> 'resolved'");
        cmd.Parameters.Add(new() { Value = dedupKey });
        return await cmd.ExecuteScalarAsync(ct) as string;
    }
}
