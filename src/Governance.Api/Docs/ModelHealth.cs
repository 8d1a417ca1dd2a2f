namespace Governance.Api.Docs;

/// <summary>
/// One sentence for how a model is doing, the same on the index and on the model's page (docs/documentation.md,
/// "Health"): an open incident names its severity, a breaching SLO its name, and only a model with neither is "ok".
/// </summary>
public static class ModelHealth
{
    /// <summary>
    /// An incident counts until it is resolved, as for the incident gate of promotions: acknowledged and mitigated
    /// incidents are still open.
    /// </summary>
    public static bool IsOpen(string status) =>
        !status.Equals("resolved", StringComparison.OrdinalIgnoreCase) && !status.Equals("closed", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// "ok"; "degraded (SLO a breaching)" when only SLOs breach; "incident SEV2 open" or "3 incidents open, worst SEV1",
    /// followed by "; SLO a breaching" when both; "retired" first for a retired model.
    /// </summary>
    public static string Describe(bool retired, IEnumerable<string> breachingSlos, IEnumerable<string> openIncidentSeverities)
    {
        var slos = breachingSlos.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var severities = openIncidentSeverities.ToList();
        var parts = new List<string>();
        if (retired)
        {
            parts.Add("retired");
        }

        // SEV1 is the most severe; the names sort that way.
        var worst = severities.Order(StringComparer.OrdinalIgnoreCase).FirstOrDefault()?.ToUpperInvariant();
        if (severities.Count == 1)
        {
            parts.Add($"incident {worst} open");
        }
        else if (severities.Count > 1)
        {
            parts.Add($"{severities.Count} incidents open, worst {worst}");
        }

        var breaching = slos.Count switch
        {
            0 => null,
            1 => $"SLO {slos[0]} breaching",
            _ => $"SLOs {string.Join(", ", slos)} breaching",
        };
        if (breaching is not null)
        {
            parts.Add(severities.Count == 0 ? $"degraded ({breaching})" : breaching);
        }

        return parts.Count == 0 ? "ok" : string.Join("; ", parts);
    }
}
