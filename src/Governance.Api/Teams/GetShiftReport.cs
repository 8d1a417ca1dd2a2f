using System.Globalization;
using System.Text;
using Governance.Api.Alerts;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Storage;
using Governance.Api.Core.Time;
using Governance.Api.Incidents;
using Governance.Api.Rotations;
using Governance.Api.Slos;
using Governance.EventLog;
using NodaTime;
using NodaTime.Text;
using Npgsql;

namespace Governance.Api.Teams;

/// <summary>GET /teams/{team}/shift-report?at=: what happened on the shift that contains <c>at</c>, as JSON or Markdown for the hand-off.</summary>
public static class GetShiftReport
{
    /// <summary>An incident as the report lists it.</summary>
    public sealed record ReportIncident(string Id, string Model, string Severity, string Status, string Title, string? Assignee, Instant OpenedAt,
        Instant? AcknowledgedAt, Instant? ResolvedAt);

    /// <summary>An alert rule's activity in the shift.</summary>
    public sealed record ReportAlertRule(string Rule, long Fired, long Ignored);

    /// <summary>An SLO breach in the shift.</summary>
    public sealed record ReportBreach(string SloId, string Model, string Kind, Instant BreachedAt, Instant? RecoveredAt, string? IncidentId);

    /// <summary>A deployment or rollback in the shift.</summary>
    public sealed record ReportDeployment(string Type, string Model, string? Stage, string? Version, Instant At);

    /// <summary>The incidents of the shift.</summary>
    public sealed record ReportIncidents(IReadOnlyList<ReportIncident> Opened, IReadOnlyList<ReportIncident> Acknowledged,
        IReadOnlyList<ReportIncident> Resolved, IReadOnlyList<ReportIncident> StillOpen);

    /// <summary>The alerts of the shift.</summary>
    public sealed record ReportAlerts(long Fired, long Ignored, IReadOnlyList<ReportAlertRule> ByRule);

    /// <summary>The report.</summary>
    public sealed record ShiftReport(string Team, string Primary, string? Secondary, string? Shadow, Instant ShiftStart, Instant ShiftEnd,
        ReportIncidents Incidents, ReportAlerts Alerts, IReadOnlyList<ReportBreach> SloBreaches, IReadOnlyList<ReportDeployment> Deployments);

    /// <summary>Maps the endpoint.</summary>
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapGet("/teams/{team}/shift-report", async (string team, HttpContext http, IEventStore store, NpgsqlDataSource db, IClock clock, CancellationToken ct,
                QueryInstant? at = null) =>
            {
                var instant = at?.Value ?? clock.GetCurrentInstant();
                if (await store.AggregateStreamAsync<Rotation>(Rotation.StreamId(team), ct: ct) is not { } rotation)
                {
                    return DomainError.NotFound($"Team '{team}' has no rotation.").ToResult();
                }

                if (rotation.State.At(instant) is not { } shift)
                {
                    return DomainError.NotFound($"Team '{team}' has no shift at {instant}: the rotation starts at {rotation.State.FirstShiftStart}.").ToResult();
                }

                var report = await BuildAsync(db, team, shift, ct);
                var accept = http.Request.Headers.Accept.ToString();
                return accept.Contains("text/markdown", StringComparison.OrdinalIgnoreCase)
                    ? Results.Text(Markdown(report), "text/markdown; charset=utf-8")
                    : Results.Ok(report);
            })
            .WithProjectionAsOf(AlertNoiseProjection.ProjectionName, SloStatusProjection.ProjectionName)
            .RequireRole(Roles.Viewer).WithTags("Teams").WithName("GetShiftReport")
            .WithSummary("The shift's incidents, alerts, SLO breaches and deployments (JSON, or Markdown with Accept: text/markdown).")
            .Produces<ShiftReport>().Produces<string>(StatusCodes.Status200OK, "text/markdown").ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<ShiftReport> BuildAsync(NpgsqlDataSource db, string team, OnCall shift, CancellationToken ct)
    {
        var from = shift.ShiftStart.ToDateTimeUtc();
        var to = shift.ShiftEnd.ToDateTimeUtc();
        var incidents = new List<ReportIncident>();
        await using (var cmd = db.CreateCommand(
            "SELECT id, model, severity, status, title, assignee, opened_at, acknowledged_at, resolved_at FROM governance.incidents " +
            "WHERE team = $1 AND opened_at < $3 AND (resolved_at IS NULL OR resolved_at >= $2) ORDER BY severity, opened_at"))
        {
            cmd.Parameters.Add(new() { Value = team });
            cmd.Parameters.Add(new() { Value = from });
            cmd.Parameters.Add(new() { Value = to });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                incidents.Add(new ReportIncident(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                    GetIncidents.Text(reader, 5), GetIncidents.At(reader, 6)!.Value, GetIncidents.At(reader, 7), GetIncidents.At(reader, 8)));
            }
        }

        bool In(Instant? i) => i is { } v && v >= shift.ShiftStart && v < shift.ShiftEnd;
        var sections = new ReportIncidents(
            [.. incidents.Where(i => In(i.OpenedAt))], [.. incidents.Where(i => In(i.AcknowledgedAt))], [.. incidents.Where(i => In(i.ResolvedAt))],
            [.. incidents.Where(i => i.ResolvedAt is null)]);

        var rules = new List<ReportAlertRule>();
        await using (var cmd = db.CreateCommand(
            "SELECT rule, count(*), count(*) FILTER (WHERE actionable IS NOT TRUE) FROM governance.alert_noise WHERE team = $1 AND fired_at >= $2 AND fired_at < $3 GROUP BY rule ORDER BY rule"))
        {
            cmd.Parameters.Add(new() { Value = team });
            cmd.Parameters.Add(new() { Value = from });
            cmd.Parameters.Add(new() { Value = to });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                rules.Add(new ReportAlertRule(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));
            }
        }

        var breaches = new List<ReportBreach>();
        await using (var cmd = db.CreateCommand(
            "SELECT slo_id, model, kind, breached_at, recovered_at, incident_id FROM governance.slo_breaches WHERE team = $1 AND breached_at < $3 " +
            "AND (recovered_at IS NULL OR recovered_at >= $2) ORDER BY breached_at"))
        {
            cmd.Parameters.Add(new() { Value = team });
            cmd.Parameters.Add(new() { Value = from });
            cmd.Parameters.Add(new() { Value = to });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                breaches.Add(new ReportBreach(reader.GetString(0), reader.GetString(1), reader.GetString(2), GetIncidents.At(reader, 3)!.Value,
                    GetIncidents.At(reader, 4), GetIncidents.Text(reader, 5)));
            }
        }

        // Deployments are read from the log itself, so the report needs nothing from the deployment slice but its event names.
        var deployments = new List<ReportDeployment>();
        await using (var cmd = db.CreateCommand(
            "SELECT e.type, e.data->>'model', e.data->>'stage', coalesce(e.data->>'version', e.data->>'toVersion'), e.recorded_at FROM governance.log_events e " +
            "WHERE e.type IN ('version_deployed', 'version_rolled_back') AND e.recorded_at >= $2 AND e.recorded_at < $3 " +
            "AND e.data->>'model' IN (SELECT key FROM governance.models WHERE team = $1) ORDER BY e.seq"))
        {
            cmd.Parameters.Add(new() { Value = team });
            cmd.Parameters.Add(new() { Value = from });
            cmd.Parameters.Add(new() { Value = to });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                deployments.Add(new ReportDeployment(reader.GetString(0), GetIncidents.Text(reader, 1) ?? "", GetIncidents.Text(reader, 2), GetIncidents.Text(reader, 3),
                    GetIncidents.At(reader, 4)!.Value));
            }
        }

        return new ShiftReport(team, shift.Primary, shift.Secondary, shift.Shadow, shift.ShiftStart, shift.ShiftEnd, sections,
            new ReportAlerts(rules.Sum(r => r.Fired), rules.Sum(r => r.Ignored), rules), breaches, deployments);
    }

    /// <summary>The report as Markdown, ready to paste into the hand-off.</summary>
    public static string Markdown(ShiftReport r)
    {
        static string T(Instant i) => InstantPattern.ExtendedIso.Format(i);
        static string Cell(string? s) => (s ?? "").Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Shift report: {r.Team}");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"{T(r.ShiftStart)} – {T(r.ShiftEnd)}. Primary **{r.Primary}**, secondary {r.Secondary ?? "none"}, shadow {r.Shadow ?? "none"}.");
        void Incidents(string title, IReadOnlyList<ReportIncident> list)
        {
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"## {title} ({list.Count})");
            md.AppendLine();
            if (list.Count == 0)
            {
                md.AppendLine("None.");
                return;
            }

            md.AppendLine("| Incident | Severity | Model | Status | Assignee | Title |");
            md.AppendLine("|---|---|---|---|---|---|");
            foreach (var i in list)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"| {i.Id} | {i.Severity} | {i.Model} | {i.Status} | {Cell(i.Assignee)} | {Cell(i.Title)} |");
            }
        }

        Incidents("Incidents opened", r.Incidents.Opened);
        Incidents("Incidents acknowledged", r.Incidents.Acknowledged);
        Incidents("Incidents resolved", r.Incidents.Resolved);
        Incidents("Still open", r.Incidents.StillOpen);
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"## Alerts: {r.Alerts.Fired} fired, {r.Alerts.Ignored} ignored");
        md.AppendLine();
        foreach (var rule in r.Alerts.ByRule)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- {rule.Rule}: {rule.Fired} fired, {rule.Ignored} ignored");
        }

        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"## SLO breaches ({r.SloBreaches.Count})");
        md.AppendLine();
        foreach (var b in r.SloBreaches)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- {b.SloId} on {b.Model}: {b.Kind} at {T(b.BreachedAt)}{(b.RecoveredAt is { } rec ? $", recovered {T(rec)}" : ", still breaching")}{(b.IncidentId is null ? "" : $" ({b.IncidentId})")}");
        }

        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"## Deployments ({r.Deployments.Count})");
        md.AppendLine();
        foreach (var d in r.Deployments)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- {T(d.At)} {d.Type.Replace('_', ' ')}: {d.Model} {d.Version} to {d.Stage}");
        }

        return md.ToString();
    }
}
