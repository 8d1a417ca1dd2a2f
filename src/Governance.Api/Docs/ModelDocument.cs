using System.Text.Json;
using Governance.Api.Audit;

namespace Governance.Api.Docs;

/// <summary>What the generated documentation knows about a model, folded from its events.</summary>
public sealed class ModelDocument
{
    /// <summary>A version of the model.</summary>
    public sealed record VersionInfo(string Version, string Digest, string RegisteredBy, string RegisteredAt, IReadOnlyList<string> Datasets,
        IReadOnlyList<string> Parents, string? ExperimentId, string? RunId, string CodeCommit)
    {
        public List<(string Name, string Version, string Description, string By, string At)> Guardrails { get; } = [];

        public string? Deprecated { get; set; }
    }

    /// <summary>An experiment and what became of it.</summary>
    public sealed class ExperimentInfo(string id, string hypothesis, string kind, string startedBy, string startedAt)
    {
        public string Id { get; } = id;
        public string Hypothesis { get; } = hypothesis;
        public string Kind { get; } = kind;
        public string StartedBy { get; } = startedBy;
        public string StartedAt { get; } = startedAt;
        public List<(string RunId, IReadOnlyList<string> Datasets, string Metrics)> Runs { get; } = [];
        public string? Outcome { get; set; }
        public string? Reason { get; set; }
        public string? ConcludedBy { get; set; }
    }

    /// <summary>One evaluation verdict.</summary>
    public sealed record EvaluationInfo(string Id, string Version, string Suite, int? Revision, string Stage, bool Passed,
        IReadOnlyList<(string Name, bool Passed, string Detail)> Checks, string By, string At);

    /// <summary>A note somebody wrote.</summary>
    public sealed record Note(string Title, string Body, IReadOnlyList<string> Tags, string By, string At);

    /// <summary>A line of the change log: one event, at <paramref name="Version"/> of its stream.</summary>
    public sealed record Change(string At, string Actor, string Type, string StreamId, int Version, string Summary);

    public string Key { get; private set; } = "";
    public string Name { get; private set; } = "";
    public string Description { get; private set; } = "";
    public string Team { get; private set; } = "";
    public string TaskType { get; private set; } = "";
    public IReadOnlyList<string> Stages { get; private set; } = [];
    public List<(string Name, string? Description, string? Target)> Kpis { get; } = [];
    public string RegisteredBy { get; private set; } = "";
    public string RegisteredAt { get; private set; } = "";
    public string? Retired { get; private set; }
    public bool Exists => Key.Length > 0;
    public Dictionary<string, VersionInfo> Versions { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, ExperimentInfo> Experiments { get; } = new(StringComparer.Ordinal);
    public List<EvaluationInfo> Evaluations { get; } = [];
    public List<Note> Notes { get; } = [];

    /// <summary>What runs in a stage now, and the event (stream and version) that put it there.</summary>
    public sealed record StageNow(string Version, string Since, string? PromotionId, IReadOnlyList<string> ApprovedBy, string? Fallback, string StreamId, int EventVersion);

    /// <summary>A deployment or rollback, and its event.</summary>
    public sealed record DeploymentLine(string At, string Text, string StreamId, int EventVersion);

    /// <summary>Current deployment per stage.</summary>
    public Dictionary<string, StageNow> Deployed { get; } = new(StringComparer.Ordinal);

    /// <summary>Fallbacks designated per stage.</summary>
    public Dictionary<string, string> Fallbacks { get; } = new(StringComparer.Ordinal);

    /// <summary>Evidence and justification of each promotion.</summary>
    public Dictionary<string, (IReadOnlyList<string> Evidence, string Justification, string RequestedBy)> Promotions { get; } = new(StringComparer.Ordinal);

    /// <summary>An incident and what was learned from it.</summary>
    public sealed class IncidentInfo(string id, string severity, string title, string source, string? category, string openedBy, string openedAt)
    {
        public string Id { get; } = id;
        public string Severity { get; } = severity;
        public string Title { get; } = title;
        public string Source { get; } = source;
        public string? Category { get; } = category;
        public string OpenedBy { get; } = openedBy;
        public string OpenedAt { get; } = openedAt;
        public string Status { get; set; } = "open";
        public List<string> Timeline { get; } = [];
        public (string Summary, string Impact, string RootCause, string Trigger, string Lessons, IReadOnlyList<(string Description, string Type, string Owner)> ActionItems, string By, string At)? Postmortem { get; set; }
    }

    /// <summary>An SLO and its breaches.</summary>
    public sealed class SloInfo(string id, string name, string stage, string objective, string window, string labelDelay, string description)
    {
        public string Id { get; } = id;
        public string Name { get; set; } = name;
        public string Stage { get; } = stage;
        public string Objective { get; set; } = objective;
        public string Window { get; set; } = window;
        public string LabelDelay { get; set; } = labelDelay;
        public string Description { get; set; } = description;
        public List<string> Breaches { get; } = [];
        public bool Breaching { get; set; }
        public double? Attainment { get; set; }

        /// <summary>The share of the error budget left, as GET /slos/{id} answers it: negative once overspent.</summary>
        public double? ErrorBudgetRemaining { get; set; }
    }

    /// <summary>Incidents by id, in the order they were opened.</summary>
    public Dictionary<string, IncidentInfo> Incidents { get; } = new(StringComparer.Ordinal);

    /// <summary>SLOs by id.</summary>
    public Dictionary<string, SloInfo> Slos { get; } = new(StringComparer.Ordinal);

    /// <summary>Deployments and rollbacks, oldest first.</summary>
    public List<DeploymentLine> DeploymentHistory { get; } = [];
    public List<Change> Changes { get; } = [];

    /// <summary>Dataset versions behind the model: their parents, and why they were flagged, if they were.</summary>
    public Dictionary<string, (IReadOnlyList<string> Parents, string? Flagged)> Datasets { get; } = new(StringComparer.Ordinal);

    /// <summary>Every dataset version the model's versions and runs were trained on.</summary>
    public IEnumerable<string> TrainingData =>
        Versions.Values.SelectMany(v => v.Datasets).Concat(Experiments.Values.SelectMany(e => e.Runs.SelectMany(r => r.Datasets))).Distinct();

    /// <summary>The entry stage: every registered version is there (it is never a promotion target).</summary>
    public string? EntryStage => Stages.Count > 0 ? Stages[0] : null;

    /// <summary>Health as of the last folded event, by the rule of <see cref="ModelHealth"/>.</summary>
    public string Health => ModelHealth.Describe(
        Retired is not null,
        Slos.Values.Where(s => s.Breaching).Select(s => s.Name),
        Incidents.Values.Where(i => ModelHealth.IsOpen(i.Status)).Select(i => i.Severity));

    /// <summary>Folds the model's events, oldest first.</summary>
    public static ModelDocument From(IReadOnlyList<AuditEvent> events)
    {
        var doc = new ModelDocument();
        foreach (var e in events)
        {
            doc.Apply(e);
        }

        return doc;
    }

    /// <summary>Adds what the data behind the model says: derivations and flags, oldest first.</summary>
    public void AddDatasets(IReadOnlyList<AuditEvent> datasets)
    {
        foreach (var e in datasets)
        {
            var reference = $"{Str(e.Data, "name")}@{Str(e.Data, "version")}";
            if (e.Type == "dataset_version_registered")
            {
                Datasets[reference] = (Strings(e.Data, "parents"), null);
            }
            else if (e.Type == "dataset_version_flagged" && Datasets.TryGetValue(reference, out var known))
            {
                Datasets[reference] = (known.Parents, $"{Str(e.Data, "reason")} ({Str(e.Data, "flaggedBy")}, {Str(e.Data, "flaggedAt")})");
            }
        }
    }

    private void Apply(AuditEvent e)
    {
        var d = e.Data;
        var actor = e.Metadata.TryGetProperty("actor", out var a) ? a.GetString() ?? "?" : "?";
        var at = NodaTime.Text.InstantPattern.ExtendedIso.Format(e.RecordedAt);
        Changes.Add(new Change(at, actor, e.Type, e.StreamId, e.Version, Summarize(e.Type, d)));
        switch (e.Type)
        {
            case "model_registered":
                Key = Str(d, "key");
                Name = Str(d, "name");
                Description = Str(d, "description");
                Team = Str(d, "team");
                TaskType = Str(d, "taskType");
                Stages = Strings(d, "stages");
                RegisteredBy = Str(d, "registeredBy");
                RegisteredAt = Str(d, "registeredAt");
                if (d.TryGetProperty("kpis", out var kpis) && kpis.ValueKind == JsonValueKind.Array)
                {
                    foreach (var kpi in kpis.EnumerateArray())
                    {
                        Kpis.Add((Str(kpi, "name"), Opt(kpi, "description"), Opt(kpi, "target")));
                    }
                }

                break;
            case "model_described":
                Description = Str(d, "description");
                break;
            case "model_stages_configured":
                Stages = Strings(d, "stages");
                break;
            case "model_retired":
                Retired = $"{Str(d, "reason")} ({Str(d, "retiredBy")}, {Str(d, "retiredAt")})";
                break;
            case "knowledge_note_added":
                Notes.Add(new Note(Str(d, "title"), Str(d, "body"), Strings(d, "tags"), Str(d, "addedBy"), Str(d, "addedAt")));
                break;
            case "model_version_registered":
                Versions[Str(d, "version")] = new VersionInfo(Str(d, "version"), Str(d, "digest"), Str(d, "registeredBy"), Str(d, "registeredAt"),
                    Strings(d, "trainingDatasets"), Strings(d, "parents"), Opt(d, "experimentId"), Opt(d, "runId"), Str(d, "codeCommit"));
                break;
            case "guardrail_attached" when Versions.TryGetValue(Str(d, "version"), out var guarded):
                guarded.Guardrails.Add((Str(d, "guardrail"), Str(d, "guardrailVersion"), Str(d, "description"), Str(d, "attachedBy"), Str(d, "attachedAt")));
                break;
            case "model_version_deprecated" when Versions.TryGetValue(Str(d, "version"), out var deprecated):
                deprecated.Deprecated = Str(d, "reason");
                break;
            case "experiment_started":
                Experiments[Str(d, "id")] = new ExperimentInfo(Str(d, "id"), Str(d, "hypothesis"), Str(d, "kind"), Str(d, "startedBy"), Str(d, "startedAt"));
                break;
            case "run_recorded" when Experiments.TryGetValue(Str(d, "experimentId"), out var experiment):
                experiment.Runs.Add((Str(d, "runId"), Strings(d, "datasets"),
                    d.TryGetProperty("metrics", out var metrics) && metrics.ValueKind == JsonValueKind.Object
                        ? string.Join(", ", metrics.EnumerateObject().Select(m => $"{m.Name} {m.Value}"))
                        : ""));
                break;
            case "experiment_concluded" when Experiments.TryGetValue(Str(d, "experimentId"), out var concluded):
                concluded.Outcome = Str(d, "outcome");
                concluded.Reason = Str(d, "reason");
                concluded.ConcludedBy = Str(d, "concludedBy");
                break;
            case "promotion_requested":
                Promotions[Str(d, "id")] = (Strings(d, "evidence"), Str(d, "justification"), Str(d, "requestedBy"));
                break;
            case "version_deployed":
                Deployed[Str(d, "stage")] = new StageNow(Str(d, "version"), Str(d, "deployedAt"), Opt(d, "promotionId"), Strings(d, "approvedBy"), Opt(d, "fallback"),
                    e.StreamId, e.Version);
                DeploymentHistory.Add(new DeploymentLine(Str(d, "deployedAt"), $"{Str(d, "version")} deployed to {Str(d, "stage")} by {Str(d, "deployedBy")}" +
                    (Strings(d, "approvedBy") is { Count: > 0 } approvers ? $", approved by {string.Join(", ", approvers)}" : ""), e.StreamId, e.Version));
                break;
            case "version_rolled_back":
                // Nobody approved going back, so the stage shows no promotion or approvers; the history line says it was a rollback.
                Deployed[Str(d, "stage")] = new StageNow(Str(d, "toVersion"), Str(d, "rolledBackAt"), null, [], Opt(d, "fallback"), e.StreamId, e.Version);
                DeploymentHistory.Add(new DeploymentLine(Str(d, "rolledBackAt"),
                    $"{Str(d, "stage")} rolled back from {Str(d, "fromVersion")} to {Str(d, "toVersion")} by {Str(d, "rolledBackBy")}: {Str(d, "reason")}" +
                    (Opt(d, "incidentId") is { } answered ? $" (incident {answered})" : ""), e.StreamId, e.Version));
                break;
            case "fallback_designated":
                Fallbacks[Str(d, "stage")] = Str(d, "version");
                break;
            case "incident_opened":
                Incidents[Str(d, "id")] = new IncidentInfo(Str(d, "id"), Str(d, "severity"), Str(d, "title"), Str(d, "source"), Opt(d, "category"), Str(d, "openedBy"), Str(d, "openedAt"));
                break;
            case "incident_acknowledged" or "incident_assigned" or "incident_escalated" or "incident_mitigated" or "incident_resolved" or "incident_reopened"
                when Incidents.TryGetValue(Str(d, "id"), out var incident):
                incident.Status = e.Type switch
                {
                    "incident_acknowledged" => "acknowledged",
                    "incident_mitigated" => "mitigated",
                    "incident_resolved" => "resolved",
                    "incident_reopened" => "open",
                    _ => incident.Status,
                };
                incident.Timeline.Add($"{at}: {e.Type["incident_".Length..]} by {actor}" + e.Type switch
                {
                    "incident_mitigated" => $" ({Str(d, "action")}{(Opt(d, "note") is { } note ? ": " + note : "")})",
                    "incident_resolved" => Opt(d, "resolution") is { } resolution ? $": {resolution}" : "",
                    "incident_reopened" => $": {Str(d, "reason")}",
                    "incident_escalated" => $" to {Opt(d, "to") ?? "?"}",
                    "incident_assigned" => $" to {Str(d, "assignee")}",
                    _ => "",
                });
                break;
            case "postmortem_published" when Incidents.TryGetValue(Str(d, "id"), out var reviewed):
                var items = new List<(string, string, string)>();
                if (d.TryGetProperty("actionItems", out var actionItems) && actionItems.ValueKind == JsonValueKind.Array)
                {
                    items.AddRange(actionItems.EnumerateArray().Select(i => (Str(i, "description"), Str(i, "type"), Str(i, "owner"))));
                }

                reviewed.Postmortem = (Str(d, "summary"), Str(d, "impact"), Str(d, "rootCause"), Str(d, "trigger"), Str(d, "lessons"), items, Str(d, "publishedBy"), Str(d, "publishedAt"));
                break;
            case "slo_defined":
                Slos[Str(d, "id")] = new SloInfo(Str(d, "id"), Str(d, "name"), Str(d, "stage"), Str(d, "objective"), Str(d, "window"), Str(d, "labelDelay"), Str(d, "description"));
                break;
            case "slo_revised" when Slos.TryGetValue(Str(d, "id"), out var revised):
                (revised.Name, revised.Objective, revised.Window, revised.LabelDelay, revised.Description) =
                    (Str(d, "name"), Str(d, "objective"), Str(d, "window"), Str(d, "labelDelay"), Str(d, "description"));
                break;
            case "slo_breached" when Slos.TryGetValue(Str(d, "id"), out var breached):
                breached.Breaching = true;
                breached.Breaches.Add($"{Str(d, "detectedAt")}: {Str(d, "kind")} breach, burn {Str(d, "longBurnRate")}× over {Str(d, "longWindow")} and {Str(d, "shortBurnRate")}× over {Str(d, "shortWindow")}" +
                    (Opt(d, "incidentId") is { } opened ? $" → incident {opened}" : ""));
                break;
            case "slo_recovered" when Slos.TryGetValue(Str(d, "id"), out var recovered):
                recovered.Breaching = false;
                recovered.Breaches.Add($"{Str(d, "recoveredAt")}: recovered from the {Str(d, "kind")} breach");
                break;
            case "evaluation_recorded":
                var checks = new List<(string, bool, string)>();
                if (d.TryGetProperty("checks", out var list) && list.ValueKind == JsonValueKind.Array)
                {
                    foreach (var check in list.EnumerateArray())
                    {
                        checks.Add((Str(check, "name"), check.TryGetProperty("passed", out var p) && p.ValueKind == JsonValueKind.True, Str(check, "detail")));
                    }
                }

                Evaluations.Add(new EvaluationInfo(Opt(d, "id") ?? e.StreamId, Str(d, "version"), Str(d, "suite"),
                    d.TryGetProperty("suiteRevision", out var rev) && rev.ValueKind == JsonValueKind.Number ? rev.GetInt32() : null,
                    Str(d, "stage"), d.TryGetProperty("passed", out var passed) && passed.ValueKind == JsonValueKind.True, checks,
                    Str(d, "recordedBy"), Str(d, "recordedAt")));
                break;
        }
    }

    private static string Summarize(string type, JsonElement d) => type switch
    {
        "model_registered" => $"registered with stages {string.Join(" → ", Strings(d, "stages"))}",
        "model_version_registered" => $"version {Str(d, "version")} registered",
        "experiment_started" => $"experiment: {Str(d, "hypothesis")}",
        "experiment_concluded" => $"experiment {Str(d, "outcome")}: {Str(d, "reason")}",
        "run_recorded" => $"run {Str(d, "runId")} recorded",
        "knowledge_note_added" => $"note: {Str(d, "title")}",
        "promotion_requested" => $"{Str(d, "version")} requested for {Str(d, "targetStage")}: {Str(d, "justification")}",
        "promotion_approved" => $"approved by {Str(d, "approvedBy")}",
        "promotion_rejected" => $"rejected by {Str(d, "rejectedBy")}: {Str(d, "reason")}",
        "incident_opened" => $"{Str(d, "severity")} incident: {Str(d, "title")}",
        "postmortem_published" => $"postmortem: {Str(d, "summary")}",
        "slo_breached" => $"SLO {Str(d, "kind")} breach",
        "slo_revised" => $"SLO {Str(d, "name")} revised: objective {Str(d, "previousObjective")} → {Str(d, "objective")}, window {Str(d, "previousWindow")} → {Str(d, "window")}",
        "version_deployed" => $"{Str(d, "version")} deployed to {Str(d, "stage")}",
        "version_rolled_back" => $"{Str(d, "stage")} rolled back to {Str(d, "toVersion")}: {Str(d, "reason")}",
        "evaluation_recorded" => $"{Str(d, "version")} on {Str(d, "suite")}: {(d.TryGetProperty("passed", out var p) && p.ValueKind == JsonValueKind.True ? "passed" : "failed")}",
        _ => Opt(d, "version") is { } v ? $"version {v}" : "",
    };

    internal static string Str(JsonElement e, string name) => Opt(e, name) ?? "";

    internal static string? Opt(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v)
            ? v.ValueKind switch
            {
                JsonValueKind.String => v.GetString(),
                JsonValueKind.Null or JsonValueKind.Undefined => null,
                _ => v.GetRawText(),
            }
            : null;

    internal static IReadOnlyList<string> Strings(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array
            ? [.. v.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString() ?? "" : x.GetRawText())]
            : [];
}
