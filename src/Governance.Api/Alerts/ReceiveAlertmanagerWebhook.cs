using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Validation;
using Governance.Api.Incidents;
using Governance.EventLog.Streams;
using Marten;
using NodaTime;
using Wolverine.Http;

namespace Governance.Api.Alerts;

/// <summary>One alert of an Alertmanager notification; fields the service does not use (startsAt, generatorURL…) are ignored.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record AlertmanagerAlert(string? Status, IReadOnlyDictionary<string, string>? Labels, IReadOnlyDictionary<string, string>? Annotations, string? Fingerprint);

/// <summary>
/// Prometheus Alertmanager's webhook notification (payload version 4): each alert fires, repeats or resolves a governance
/// alert through the same decisions as <c>POST /alerts</c> and <c>POST /alerts/{id}/resolution</c>. Fields the service
/// does not use (groupKey, receiver, commonLabels…) are ignored, so a newer Alertmanager's additions are too.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record ReceiveAlertmanagerWebhook(string? Version, string? Status, IReadOnlyList<AlertmanagerAlert>? Alerts)
{
    /// <summary>At most this many alerts in one notification.</summary>
    public const int MaxAlerts = 1000;

    /// <summary>Shape rules: what makes the notification unreadable. An alert the service cannot place is skipped, not refused.</summary>
    public sealed class Validator : AbstractValidator<ReceiveAlertmanagerWebhook>
    {
        public Validator()
        {
            RuleFor(c => c.Version).NotEmpty().Equal("4").WithMessage("'version' must be \"4\": the Alertmanager webhook payload this endpoint reads.");
            RuleFor(c => c.Alerts).NotNull().Must(a => a is null || a.Count <= MaxAlerts).WithMessage($"'alerts' is a list of at most {MaxAlerts} alerts.");
            RuleForEach(c => c.Alerts).ChildRules(alert =>
                alert.RuleFor(a => a.Status).Must(s => s is "firing" or "resolved").WithMessage("'status' is firing or resolved."));
        }
    }

    /// <summary>What became of one alert of the notification.</summary>
    public sealed record Outcome(string? Fingerprint, string Result, string? AlertId, string? Reason);

    /// <summary>The response: how many alerts fired, repeated, resolved or were skipped, and what became of each.</summary>
    public sealed record Received(int Fired, int Repeated, int Resolved, int Skipped, IReadOnlyList<Outcome> Alerts);

    /// <summary>What one Alertmanager alert asks of the service, before any state is read.</summary>
    public abstract record Ask(string DedupKey);

    /// <summary>Fire (or repeat) this alert.</summary>
    public sealed record FireAsk(string DedupKey, FireAlert Command) : Ask(DedupKey);

    /// <summary>Resolve the open alert with this dedup key.</summary>
    public sealed record ResolveAsk(string DedupKey) : Ask(DedupKey);

    /// <summary>Nothing: the alert cannot be placed, for this reason.</summary>
    public sealed record SkipAsk(string DedupKey, string Reason) : Ask(DedupKey);

    /// <summary>
    /// Pure translation (DESIGN §13): rule = <c>labels.alertname</c>, model = <c>labels.model</c>, severity from
    /// <c>labels.severity</c>, summary from <c>annotations.summary</c> or <c>description</c>; the dedup key is
    /// Alertmanager's fingerprint (the identity of the label set), so a firing alert repeats while open. An alert without
    /// a model label, or whose command <c>POST /alerts</c> would refuse, is skipped.
    /// </summary>
    public static Ask Translate(AlertmanagerAlert alert, IValidator<FireAlert> rules)
    {
        ArgumentNullException.ThrowIfNull(alert);
        ArgumentNullException.ThrowIfNull(rules);
        var labels = alert.Labels ?? new Dictionary<string, string>();
        var key = "alertmanager:" + (string.IsNullOrEmpty(alert.Fingerprint) ? Fingerprint(labels) : alert.Fingerprint);
        if (alert.Status == "resolved")
        {
            return new ResolveAsk(key);
        }

        if (!labels.TryGetValue("model", out var model) || string.IsNullOrWhiteSpace(model))
        {
            return new SkipAsk(key, "The alert has no 'model' label.");
        }

        var annotations = alert.Annotations ?? new Dictionary<string, string>();
        var rule = labels.GetValueOrDefault("alertname") ?? "";
        var summary = annotations.GetValueOrDefault("summary") is { Length: > 0 } s ? s
            : annotations.GetValueOrDefault("description") is { Length: > 0 } d ? d
            : rule;
        var command = new FireAlert(rule, model, AlertSeverityWords.FromLabel(labels.GetValueOrDefault("severity")), key,
            summary.Length > 2000 ? summary[..1999] + "…" : summary);
        var check = rules.Validate(command);
        return check.IsValid ? new FireAsk(key, command) : new SkipAsk(key, string.Join(" ", check.Errors.Select(e => e.ErrorMessage).Distinct()));
    }

    // Alertmanager always sends one; a hand-written notification may not. The same label set gets the same key.
    private static string Fingerprint(IReadOnlyDictionary<string, string> labels) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            string.Join("\n", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")))))[..16];
}

/// <summary>POST /api/v1/alerts/alertmanager: point an Alertmanager webhook receiver here (with a contributor's API key as bearer credentials).</summary>
public static class ReceiveAlertmanagerWebhookEndpoint
{
    /// <summary>
    /// Fires, repeats or resolves each alert in one transaction: all of the notification is recorded, or none of it (and
    /// Alertmanager sends it again). Alerts are taken in dedup-key order, each under the key's lock that <c>POST /alerts</c>
    /// takes too, so a notification and a direct firing of the same alert queue instead of opening two.
    /// </summary>
    [WolverinePost("/api/v1/alerts/alertmanager")]
    public static async Task<IResult> Post(
        ReceiveAlertmanagerWebhook command, IDocumentSession session, IncidentRouting routing, IValidator<FireAlert> rules,
        HttpContext http, IClock clock, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(routing);
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(clock);
        var now = clock.GetCurrentInstant();
        var actor = Actor.From(http.User);
        var asks = command.Alerts!.Select(a => (Alert: a, Ask: ReceiveAlertmanagerWebhook.Translate(a, rules)))
            .OrderBy(a => a.Ask.DedupKey, StringComparer.Ordinal).ToList();
        var routes = new Dictionary<string, IncidentRoute>(StringComparer.Ordinal);
        var outcomes = new List<(AlertmanagerAlert Alert, ReceiveAlertmanagerWebhook.Outcome Outcome)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        await session.BeginTransactionAsync(ct);
        foreach (var (alert, ask) in asks)
        {
            var outcome = !seen.Add(ask.DedupKey) ? Skipped(alert, "The notification gives this alert more than once; the first is taken.")
                : ask switch
            {
                ReceiveAlertmanagerWebhook.SkipAsk skip => Skipped(alert, skip.Reason),
                ReceiveAlertmanagerWebhook.FireAsk fire => await FireAsync(fire, alert),
                ReceiveAlertmanagerWebhook.ResolveAsk resolve => await ResolveAsync(resolve, alert),
                _ => throw new InvalidOperationException("Unknown ask."),
            };
            outcomes.Add((alert, outcome));
        }

        // In the order Alertmanager sent them.
        var ordered = command.Alerts!.Select(a => outcomes.First(o => ReferenceEquals(o.Alert, a)).Outcome).ToList();
        return Results.Ok(new ReceiveAlertmanagerWebhook.Received(
            ordered.Count(o => o.Result == "fired"), ordered.Count(o => o.Result == "repeated"), ordered.Count(o => o.Result == "resolved"),
            ordered.Count(o => o.Result == "skipped"), ordered));

        async Task<ReceiveAlertmanagerWebhook.Outcome> FireAsync(ReceiveAlertmanagerWebhook.FireAsk fire, AlertmanagerAlert alert)
        {
            if (!routes.TryGetValue(fire.Command.Model, out var route))
            {
                routes[fire.Command.Model] = route = await routing.RouteAsync(fire.Command.Model, ct);
            }

            if (!route.ModelExists)
            {
                return Skipped(alert, $"No model '{fire.Command.Model}'.");
            }

            var open = await AlertDedup.LockAndFindOpenAsync(session, fire.DedupKey, ct);
            var id = open ?? Alert.NewId();
            var stream = await session.Events.FetchForExclusiveWriting<Folded<Alert>>(Alert.StreamId(id), ct);
            var state = stream.Aggregate?.State;
            if (FireAlert.Check(fire.Command, id, open is not null, route.ModelExists, state) is { } refusal)
            {
                return Skipped(alert, refusal.Detail);
            }

            stream.AppendMany(FireAlert.Decide(fire.Command, id, route.Team, state, now, actor, route.Rotation));
            return new(alert.Fingerprint, open is null ? "fired" : "repeated", id, null);
        }

        async Task<ReceiveAlertmanagerWebhook.Outcome> ResolveAsync(ReceiveAlertmanagerWebhook.ResolveAsk resolve, AlertmanagerAlert alert)
        {
            if (await AlertDedup.LockAndFindOpenAsync(session, resolve.DedupKey, ct) is not { } id)
            {
                return Skipped(alert, "No open alert has this fingerprint.");
            }

            var stream = await session.Events.FetchForExclusiveWriting<Folded<Alert>>(Alert.StreamId(id), ct);
            if (ResolveAlert.Check(id, stream.Aggregate?.State) is { } refusal)
            {
                return Skipped(alert, refusal.Detail);
            }

            stream.AppendMany(ResolveAlert.Decide(new ResolveAlert("Resolved in Alertmanager."), id, stream.Aggregate!.State, now, actor));
            return new(alert.Fingerprint, "resolved", id, null);
        }
    }

    private static ReceiveAlertmanagerWebhook.Outcome Skipped(AlertmanagerAlert alert, string reason) => new(alert.Fingerprint, "skipped", null, reason);

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.Metadata
            .RequireRole(Roles.Contributor)
            .WithTags("Alerts").WithName(nameof(ReceiveAlertmanagerWebhook))
            .WithSummary("Receive a Prometheus Alertmanager webhook notification (version 4): each alert fires, repeats or resolves a governance alert; alerts without a registered model are skipped and counted.")
            .Produces<ReceiveAlertmanagerWebhook.Received>()
            .ProducesValidationProblem();
    }
}
