using Governance.Api.Incidents;
using NodaTime;

namespace Governance.Api.Slos;

/// <summary>Good and total events counted over one window.</summary>
public readonly record struct WindowCounts(long Good, long Total)
{
    /// <summary>The share of bad events; 0 with no events.</summary>
    public double ErrorRate => Total == 0 ? 0 : (double)(Total - Good) / Total;
}

/// <summary>The counts an SLO is judged on, each window ending where labels are complete (now minus the label delay).</summary>
public sealed record SloCounts(WindowCounts FiveMinutes, WindowCounts ThirtyMinutes, WindowCounts OneHour, WindowCounts SixHours, WindowCounts ThreeDays, WindowCounts Window);

/// <summary>What the counts say: burn rates per window, attainment, budget left, and whether to page or ticket.</summary>
public sealed record SloJudgement(IReadOnlyDictionary<string, double> BurnRates, double? Attainment, double ErrorBudgetRemaining, BreachKind? Breach,
    string? LongWindow, string? ShortWindow, double LongBurnRate, double ShortBurnRate);

/// <summary>
/// The SRE Workbook's multiwindow, multi-burn-rate alerting: page when 14.4× over 1h and 5m, or 6× over 6h and 30m;
/// ticket when 1× over 3d and 6h. A burn rate is the error rate divided by the error budget (1 − objective).
/// </summary>
public static class BurnRates
{
    /// <summary>The windows, shortest first, as named in burnRates.</summary>
    public static IReadOnlyList<(string Name, Duration Length)> Windows { get; } =
    [
        ("5m", Duration.FromMinutes(5)), ("30m", Duration.FromMinutes(30)), ("1h", Duration.FromHours(1)), ("6h", Duration.FromHours(6)), ("3d", Duration.FromDays(3)),
    ];

    /// <summary>Judges an SLO's counts against its objective.</summary>
    public static SloJudgement Judge(double objective, SloCounts counts)
    {
        var budget = 1 - objective;
        double Burn(WindowCounts w) => Math.Round(w.ErrorRate / budget, 4);
        var rates = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["5m"] = Burn(counts.FiveMinutes), ["30m"] = Burn(counts.ThirtyMinutes), ["1h"] = Burn(counts.OneHour),
            ["6h"] = Burn(counts.SixHours), ["3d"] = Burn(counts.ThreeDays),
        };
        var attainment = counts.Window.Total == 0 ? (double?)null : Math.Round((double)counts.Window.Good / counts.Window.Total, 6);
        var remaining = Math.Round(1 - counts.Window.ErrorRate / budget, 6);

        (BreachKind? Kind, string? Long, string? Short) breach =
            rates["1h"] > 14.4 && rates["5m"] > 14.4 ? (BreachKind.Page, "1h", "5m")
            : rates["6h"] > 6 && rates["30m"] > 6 ? (BreachKind.Page, "6h", "30m")
            : rates["3d"] > 1 && rates["6h"] > 1 ? (BreachKind.Ticket, "3d", "6h")
            : (null, null, null);
        return new SloJudgement(rates, attainment, remaining, breach.Kind, breach.Long, breach.Short,
            breach.Long is null ? 0 : rates[breach.Long], breach.Short is null ? 0 : rates[breach.Short]);
    }

    /// <summary>The severity of the incident a breach opens.</summary>
    public static Severity SeverityOf(BreachKind kind) => kind == BreachKind.Page ? Severity.Sev2 : Severity.Sev3;

    /// <summary>
    /// Pure decision on a judgement: a new breach appends slo_breached and opens an incident routed to the team's primary;
    /// a breach that clears appends slo_recovered; while a breach is active nothing more is appended.
    /// </summary>
    public static (IReadOnlyList<object> SloEvents, IncidentOpened? Incident) Decide(Slo state, SloJudgement judgement, string incidentId, IncidentRoute route, Instant now)
    {
        if (state.Breach is null && judgement.Breach is { } kind)
        {
            var severity = SeverityOf(kind);
            var incident = Incident.Open(incidentId, state.Model, route.Team ?? state.Team, route.Rotation, severity,
                $"SLO '{state.Name}' breached ({kind.ToString().ToLowerInvariant()}): {judgement.LongBurnRate:0.#}× burn over {judgement.LongWindow}",
                $"Objective {state.Objective:0.####} over {Json.DurationText(state.Window)}; burn {judgement.LongBurnRate:0.##}× over {judgement.LongWindow} and " +
                $"{judgement.ShortBurnRate:0.##}× over {judgement.ShortWindow}.",
                IncidentSource.SloBreach, null, state.Stage, null, state.Id, null, now, Incident.System);
            return ([new SloBreached(state.Id, state.Model, state.Stage, kind, judgement.LongWindow!, judgement.ShortWindow!, judgement.LongBurnRate,
                judgement.ShortBurnRate, incidentId, Incident.System, now)], incident);
        }

        if (state.Breach is { } active && judgement.Breach is null)
        {
            return ([new SloRecovered(state.Id, state.Model, state.Stage, active.Kind, active.Since, Incident.System, now)], null);
        }

        return ([], null);
    }

    private static class Json
    {
        public static string DurationText(Duration d) => Governance.EventLog.EventJson.DurationPattern.Format(d);
    }
}
