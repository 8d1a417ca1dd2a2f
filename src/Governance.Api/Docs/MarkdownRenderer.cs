using System.Globalization;
using System.Text;

namespace Governance.Api.Docs;

/// <summary>Writes a model's document as Markdown, sections in the order of DESIGN §6.</summary>
public static class MarkdownRenderer
{
    /// <summary>Notes tagged with these fill the model-card fields only a human can write.</summary>
    public static readonly IReadOnlyList<(string Tag, string Field)> HumanFields =
    [
        ("intended-use", "Intended use"),
        ("limitations", "Limitations and caveats"),
        ("ethical-considerations", "Ethical considerations"),
    ];

    /// <summary>The document.</summary>
    public static string Render(ModelDocument doc, string? asOf = null)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# {Escape(doc.Name)} (`{doc.Key}`)");
        md.AppendLine();
        md.AppendLine(asOf is null
            ? "_Generated from the event log: every deployment and every change-log entry links to its event. Edit the model, not this page._"
            : $"_As of {asOf}: generated from the events recorded up to that instant; every deployment and every change-log entry links to its event._");
        md.AppendLine();
        Overview(md, doc);
        ModelCard(md, doc);
        Deployments(md, doc);
        Lineage(md, doc);
        Evaluations(md, doc);
        Slos(md, doc);
        Incidents(md, doc);
        Guardrails(md, doc);
        Experiments(md, doc);
        Notes(md, doc);
        ChangeLog(md, doc);
        return md.ToString();
    }

    private static void Overview(StringBuilder md, ModelDocument doc)
    {
        md.AppendLine("## Overview");
        md.AppendLine();
        md.AppendLine(string.IsNullOrWhiteSpace(doc.Description) ? "_No description yet._" : Escape(doc.Description));
        md.AppendLine();
        md.AppendLine("| | |");
        md.AppendLine("|---|---|");
        md.AppendLine(CultureInfo.InvariantCulture, $"| Team | {Escape(doc.Team)} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| Owners | {Escape(doc.Team)}; registered by {Escape(doc.RegisteredBy)} on {doc.RegisteredAt} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| Task | {Escape(doc.TaskType)} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| Stages | {string.Join(" → ", doc.Stages.Select((s, i) => i == 0 ? $"{s} (registered)" : s))} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| Health | {Escape(doc.Health)} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| KPIs | {(doc.Kpis.Count == 0 ? "_none named_" : string.Join("; ", doc.Kpis.Select(k => Escape(k.Name) + (k.Target is null ? "" : $" (target {Escape(k.Target)})"))))} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| Versions | {doc.Versions.Count} |");
        if (doc.Retired is not null)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| Retired | {Escape(doc.Retired)} |");
        }

        md.AppendLine();
    }

    private static void ModelCard(StringBuilder md, ModelDocument doc)
    {
        md.AppendLine("### Model card");
        md.AppendLine();
        md.AppendLine("Fields after Mitchell et al., *Model Cards for Model Reporting*. **generated** fields come from the log; **needs a human** fields are filled by a knowledge note with the named tag.");
        md.AppendLine();
        md.AppendLine("| Field | Source | Content |");
        md.AppendLine("|---|---|---|");
        md.AppendLine(CultureInfo.InvariantCulture, $"| Model details | generated | {Escape(doc.TaskType)} model of team {Escape(doc.Team)}, {doc.Versions.Count} version(s) |");
        var training = doc.Versions.Values.SelectMany(v => v.Datasets).Distinct().ToList();
        md.AppendLine(CultureInfo.InvariantCulture, $"| Training data | generated | {(training.Count == 0 ? "_none recorded_" : string.Join(", ", training.Select(Escape)))} |");
        var suites = doc.Evaluations.Select(e => e.Suite).Distinct().ToList();
        md.AppendLine(CultureInfo.InvariantCulture, $"| Metrics and evaluation data | generated | {(suites.Count == 0 ? "_no evaluations yet_" : "suites " + string.Join(", ", suites.Select(Escape)))} |");
        foreach (var (tag, field) in HumanFields)
        {
            var note = doc.Notes.LastOrDefault(n => n.Tags.Contains(tag));
            md.AppendLine(note is null
                ? $"| {field} | **needs a human** | _not written yet: add a note tagged `{tag}`_ |"
                : $"| {field} | written by {Escape(note.By)} | {Escape(OneLine(note.Body))} |");
        }

        md.AppendLine();
    }

    private static void Deployments(StringBuilder md, ModelDocument doc)
    {
        md.AppendLine("## Deployments");
        md.AppendLine();
        md.AppendLine("| Stage | Version | Since | Approved by | Evidence | Fallback |");
        md.AppendLine("|---|---|---|---|---|---|");
        foreach (var stage in doc.Stages)
        {
            if (stage == doc.EntryStage)
            {
                // Nothing is deployed to the entry stage: it holds every registered version (the fold keeps registration order).
                var latest = doc.Versions.Values.LastOrDefault();
                md.AppendLine(CultureInfo.InvariantCulture, $"| {stage} | {(latest is null
                    ? "registered: no versions yet"
                    : $"registered: {doc.Versions.Count} version{(doc.Versions.Count == 1 ? "" : "s")}, latest {latest.Version}")} | | | | |");
                continue;
            }

            if (!doc.Deployed.TryGetValue(stage, out var now))
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"| {stage} | — | | | | {(doc.Fallbacks.TryGetValue(stage, out var designated) ? designated : "")} |");
                continue;
            }

            var evidence = now.PromotionId is not null && doc.Promotions.TryGetValue(now.PromotionId, out var promotion)
                ? string.Join(", ", promotion.Evidence.Select(e => doc.Evaluations.FirstOrDefault(x => x.Id == e) is { } ev ? $"{ev.Suite} ({(ev.Passed ? "passed" : "failed")})" : e))
                : "";
            var fallback = doc.Fallbacks.TryGetValue(stage, out var chosen) ? chosen : now.Fallback ?? "";
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {stage} | **[{now.Version}]({EventLink(now.StreamId, now.EventVersion)})** | {now.Since} | {(now.ApprovedBy.Count == 0 ? "—" : Escape(string.Join(", ", now.ApprovedBy)))} | {Escape(evidence)} | {fallback} |");
        }

        md.AppendLine();
        if (doc.DeploymentHistory.Count > 0)
        {
            md.AppendLine("History, newest first:");
            md.AppendLine();
            foreach (var line in Enumerable.Reverse(doc.DeploymentHistory))
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- [{line.At}]({EventLink(line.StreamId, line.EventVersion)}): {Escape(line.Text)}");
            }

            md.AppendLine();
        }
    }

    private static void Lineage(StringBuilder md, ModelDocument doc)
    {
        md.AppendLine("## Lineage");
        md.AppendLine();
        var edges = LineageEdges(doc);
        if (edges.Count == 0)
        {
            md.AppendLine("No versions registered yet.");
            md.AppendLine();
            return;
        }

        md.AppendLine("```mermaid");
        md.AppendLine("graph LR");
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        string Id(string node)
        {
            if (!ids.TryGetValue(node, out var id))
            {
                ids[node] = id = "n" + ids.Count.ToString(CultureInfo.InvariantCulture);
                md.AppendLine(CultureInfo.InvariantCulture, $"  {id}[\"{node.Replace("\"", "'", StringComparison.Ordinal)}\"]");
            }

            return id;
        }

        foreach (var (from, to, kind) in edges)
        {
            var f = Id(from);
            var t = Id(to);
            md.AppendLine(CultureInfo.InvariantCulture, $"  {f} -->|{kind}| {t}");
        }

        md.AppendLine("```");
        md.AppendLine();
        foreach (var (dataset, (_, flagged)) in doc.Datasets.Where(d => d.Value.Flagged is not null).OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"> **Flagged data:** `{dataset}` — {Escape(flagged!)}. Versions trained on it or on data derived from it are suspect.");
            md.AppendLine();
        }
    }

    /// <summary>Datasets → runs → versions, and parent versions → children, as (from, to, kind).</summary>
    public static List<(string From, string To, string Kind)> LineageEdges(ModelDocument doc)
    {
        var edges = new List<(string, string, string)>();
        foreach (var (dataset, (parents, _)) in doc.Datasets)
        {
            edges.AddRange(parents.Select(p => (p, dataset, "derived_from")));
        }

        foreach (var experiment in doc.Experiments.Values)
        {
            foreach (var run in experiment.Runs)
            {
                edges.AddRange(run.Datasets.Select(d => (d, $"run {run.RunId}", "trained_on")));
            }
        }

        foreach (var v in doc.Versions.Values)
        {
            var node = $"{doc.Key}@{v.Version}";
            edges.AddRange(v.Datasets.Select(d => (d, node, "trained_on")));
            edges.AddRange(v.Parents.Select(p => (p, node, "derived_from")));
            if (v.RunId is not null)
            {
                edges.Add(($"run {v.RunId}", node, "produced_by"));
            }
        }

        return [.. edges.Distinct()];
    }

    private static void Evaluations(StringBuilder md, ModelDocument doc)
    {
        md.AppendLine("## Evaluation history");
        md.AppendLine();
        if (doc.Evaluations.Count == 0)
        {
            md.AppendLine("No evaluations recorded.");
            md.AppendLine();
            return;
        }

        foreach (var suite in doc.Evaluations.GroupBy(e => (e.Suite, e.Revision)).OrderBy(g => g.Key.Suite, StringComparer.Ordinal).ThenBy(g => g.Key.Revision))
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"### {Escape(suite.Key.Suite)}, revision {suite.Key.Revision?.ToString(CultureInfo.InvariantCulture) ?? "?"}");
            md.AppendLine();
            md.AppendLine("| Version | Stage | Verdict | Checks | By | When |");
            md.AppendLine("|---|---|---|---|---|---|");
            foreach (var e in suite)
            {
                var checks = string.Join("; ", e.Checks.Select(c => $"{(c.Passed ? "✓" : "✗")} {Escape(c.Name)}{(c.Passed ? "" : $" ({Escape(c.Detail)})")}"));
                md.AppendLine(CultureInfo.InvariantCulture, $"| {e.Version} | {e.Stage} | {(e.Passed ? "passed" : "**failed**")} | {checks} | {Escape(e.By)} | {e.At} |");
            }

            md.AppendLine();
        }
    }

    private static void Slos(StringBuilder md, ModelDocument doc)
    {
        md.AppendLine("## SLOs");
        md.AppendLine();
        if (doc.Slos.Count == 0)
        {
            md.AppendLine("No SLOs defined yet.");
            md.AppendLine();
            return;
        }

        md.AppendLine("| SLO | Stage | Objective | Window | Label delay | Attainment | Budget left | Status |");
        md.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var slo in doc.Slos.Values)
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {Escape(slo.Name)} | {slo.Stage} | {slo.Objective} | {slo.Window} | {slo.LabelDelay} | {(slo.Attainment is { } att ? att.ToString("P2", CultureInfo.InvariantCulture) : "no data")} | {Budget(slo.ErrorBudgetRemaining)} | {(slo.Breaching ? "**breaching**" : "ok")} |");
        }

        md.AppendLine();
        foreach (var slo in doc.Slos.Values.Where(s => s.Breaches.Count > 0))
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"Breaches of {Escape(slo.Name)}:");
            md.AppendLine();
            foreach (var line in slo.Breaches)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- {Escape(line)}");
            }

            md.AppendLine();
        }
    }

    private static void Incidents(StringBuilder md, ModelDocument doc)
    {
        md.AppendLine("## Incidents and known failure modes");
        md.AppendLine();
        if (doc.Incidents.Count == 0)
        {
            md.AppendLine("No incidents recorded.");
            md.AppendLine();
            return;
        }

        foreach (var incident in Enumerable.Reverse(doc.Incidents.Values.ToList()))
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"### {incident.Severity}: {Escape(incident.Title)} ({incident.Status})");
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"_Opened {incident.OpenedAt} by {Escape(incident.OpenedBy)} from {incident.Source}{(incident.Category is null ? "" : $"; category {incident.Category}")}._");
            md.AppendLine();
            foreach (var line in incident.Timeline)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- {Escape(line)}");
            }

            if (incident.Postmortem is { } pm)
            {
                md.AppendLine();
                md.AppendLine(CultureInfo.InvariantCulture, $"**Postmortem** ({Escape(pm.By)}, {pm.At}): {Escape(pm.Summary)}");
                md.AppendLine();
                md.AppendLine(CultureInfo.InvariantCulture, $"- Impact: {Escape(pm.Impact)}");
                md.AppendLine(CultureInfo.InvariantCulture, $"- Root cause: {Escape(pm.RootCause)}");
                md.AppendLine(CultureInfo.InvariantCulture, $"- Trigger: {Escape(pm.Trigger)}");
                md.AppendLine(CultureInfo.InvariantCulture, $"- Lessons: {Escape(pm.Lessons)}");
                foreach (var item in pm.ActionItems)
                {
                    md.AppendLine(CultureInfo.InvariantCulture, $"- Action ({item.Type}, {Escape(item.Owner)}): {Escape(item.Description)}");
                }
            }

            md.AppendLine();
        }
    }

    private static void Guardrails(StringBuilder md, ModelDocument doc)
    {
        md.AppendLine("## Guardrails");
        md.AppendLine();
        var rows = doc.Versions.Values.SelectMany(v => v.Guardrails.Select(g => (v.Version, g))).ToList();
        if (rows.Count == 0)
        {
            md.AppendLine("No guardrails attached.");
            md.AppendLine();
            return;
        }

        md.AppendLine("| Model version | Guardrail | Version | What it does | Attached by |");
        md.AppendLine("|---|---|---|---|---|");
        foreach (var (version, g) in rows)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {version} | {Escape(g.Name)} | {Escape(g.Version)} | {Escape(g.Description)} | {Escape(g.By)}, {g.At} |");
        }

        md.AppendLine();
    }

    private static void Experiments(StringBuilder md, ModelDocument doc)
    {
        md.AppendLine("## Experiments");
        md.AppendLine();
        if (doc.Experiments.Count == 0)
        {
            md.AppendLine("No experiments recorded.");
            md.AppendLine();
            return;
        }

        foreach (var group in doc.Experiments.Values.GroupBy(e => e.Outcome ?? "running").OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"### {char.ToUpperInvariant(group.Key[0])}{group.Key[1..]}");
            md.AppendLine();
            foreach (var e in group)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- **{Escape(e.Hypothesis)}** ({e.Kind}; started by {Escape(e.StartedBy)} on {e.StartedAt}; {e.Runs.Count} run(s))");
                if (e.Reason is not null)
                {
                    md.AppendLine(CultureInfo.InvariantCulture, $"  - {e.Outcome} by {Escape(e.ConcludedBy ?? "?")}: {Escape(e.Reason)}");
                }

                foreach (var run in e.Runs)
                {
                    md.AppendLine(CultureInfo.InvariantCulture, $"  - run `{run.RunId}` on {(run.Datasets.Count == 0 ? "no recorded data" : string.Join(", ", run.Datasets.Select(Escape)))}{(run.Metrics.Length == 0 ? "" : $": {Escape(run.Metrics)}")}");
                }
            }

            md.AppendLine();
        }
    }

    private static void Notes(StringBuilder md, ModelDocument doc)
    {
        md.AppendLine("## Knowledge notes");
        md.AppendLine();
        if (doc.Notes.Count == 0)
        {
            md.AppendLine("No notes yet. What do you know about this model that is not written anywhere?");
            md.AppendLine();
            return;
        }

        foreach (var note in Enumerable.Reverse(doc.Notes))
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"### {Escape(note.Title)}");
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"_{Escape(note.By)}, {note.At}{(note.Tags.Count == 0 ? "" : " · " + string.Join(", ", note.Tags.Select(t => $"`{t}`")))}_");
            md.AppendLine();
            md.AppendLine(NoteMarkdown.Contain(note.Body));
            md.AppendLine();
        }
    }

    private static void ChangeLog(StringBuilder md, ModelDocument doc)
    {
        md.AppendLine("## Change log");
        md.AppendLine();
        md.AppendLine("| When | Who | Event | Stream | What |");
        md.AppendLine("|---|---|---|---|---|");
        foreach (var c in Enumerable.Reverse(doc.Changes))
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {c.At} | {Escape(c.Actor)} | [`{c.Type}`]({EventLink(c.StreamId, c.Version)}) | `{c.StreamId}` | {Escape(c.Summary)} |");
        }

        md.AppendLine();
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");

    /// <summary>Where the raw event at <paramref name="version"/> of a stream is served: GET /streams/{id}/events narrowed to that one version.</summary>
    public static string EventLink(string streamId, int version) =>
        // '@' may stand in a path segment (RFC 3986), and modelversion-key@1.0 reads better than %40.
        string.Create(CultureInfo.InvariantCulture,
            $"/api/v1/streams/{Uri.EscapeDataString(streamId).Replace("%40", "@", StringComparison.Ordinal)}/events?fromVersion={version}&toVersion={version}");

    /// <summary>The budget left as GET /slos/{id} gives it, in percent; below zero it is overspent.</summary>
    public static string Budget(double? remaining) => remaining switch
    {
        null => "—",
        < 0 when Math.Round(-remaining.Value * 100, 2) > 0 => $"\u2212{Percent(-remaining.Value)} (overspent)",
        _ => Percent(Math.Max(0, remaining.Value)),
    };

    private static string Percent(double share) => (share * 100).ToString("0.##", CultureInfo.InvariantCulture) + " %";

    /// <summary>User text must not break tables or inject markup: no HTML, and no links or images (a javascript: link in a note would run in the HTML page).</summary>
    public static string Escape(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("|", "\\|", StringComparison.Ordinal)
            .Replace("[", "\\[", StringComparison.Ordinal).Replace("]", "\\]", StringComparison.Ordinal)
            .Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal)
            .Replace("\r", "", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
