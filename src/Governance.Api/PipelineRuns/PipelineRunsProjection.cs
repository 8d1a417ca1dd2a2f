using Governance.Api.Datasets;
using Governance.Api.Lineage;
using Governance.Api.ModelVersions;
using Governance.EventLog;
using Governance.EventLog.Projections;

namespace Governance.Api.PipelineRuns;

/// <summary>
/// Draws OpenLineage events into the lineage graph, in the append transaction: a node per job
/// (<c>job:{namespace}/{name}</c>) and per run (<c>pipelinerun:{runId}</c>, labelled with its job and state), inputs →
/// run (<c>read_by</c>), run → outputs (<c>produced_by</c>). A dataset whose URI is a registered dataset version's
/// <c>uri</c> or a model version's <c>artifactUri</c> is that node; any other is <c>external:{uri}</c> until one is
/// registered, when its edges move to the registered node. Registered after the registry's projections, so a
/// registration's node exists when its edges are drawn.
/// </summary>
public sealed class PipelineRunsProjection : IInlineProjection
{
    private const string Terminal = "('COMPLETE', 'ABORT', 'FAIL')";

    // The run's state is its latest reported one, except that a terminal state (COMPLETE, ABORT, FAIL) is not undone by
    // a late START or RUNNING: producers send events over the network and they can arrive out of order.
    private const string Wins =
        "EXCLUDED.state IS NOT NULL AND (p.state IS NULL " +
        "OR (EXCLUDED.state IN " + Terminal + " AND p.state NOT IN " + Terminal + ") " +
        "OR ((EXCLUDED.state IN " + Terminal + ") = (p.state IN " + Terminal + ") AND EXCLUDED.state_at >= p.state_at))";

    /// <inheritdoc />
    public IReadOnlyList<string> Tables { get; } =
        ["governance.pipeline_runs", "governance.openlineage_datasets", "governance.lineage_nodes", "governance.lineage_edges"];

    /// <inheritdoc />
    public Task ApplyAsync(ProjectionContext context, IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(events);
        foreach (var @event in events)
        {
            switch (@event.Data)
            {
                case OpenLineageEventReceived r when OpenLineageEvent.Read(r.Event).Event is { } e:
                    Apply(context, e);
                    break;
                case DatasetVersionRegistered d:
                    Join(context, d.Uri);
                    break;
                case ModelVersionRegistered m:
                    Join(context, m.ArtifactUri);
                    break;
            }
        }

        return Task.CompletedTask;
    }

    private static void Apply(ProjectionContext context, OpenLineageEvent e)
    {
        // Whoever registers one of these URIs at the same moment waits, or is waited for (see Join); in a fixed order,
        // so two events naming the same datasets cannot wait for each other.
        var uris = e.Inputs.Concat(e.Outputs).Append(e.Dataset).OfType<OpenLineageDataset>().Select(d => d.Uri).Distinct().Order(StringComparer.Ordinal);
        foreach (var uri in uris)
        {
            Lock(context, uri);
        }

        string node;
        switch (e.Kind)
        {
            case OpenLineageKind.DatasetEvent:
                AddExternal(context, e.Dataset!);
                return;
            case OpenLineageKind.JobEvent:
                node = AddJob(context, e.JobNamespace!, e.JobName!);
                break;
            default:
                node = AddRun(context, e);
                break;
        }

        foreach (var input in e.Inputs)
        {
            Use(context, input, node, "input");
        }

        foreach (var output in e.Outputs)
        {
            Use(context, output, node, "output");
        }
    }

    private static string AddJob(ProjectionContext context, string jobNamespace, string jobName)
    {
        var node = PipelineRun.JobNodeId(jobNamespace, jobName);
        LineageGraph.AddNode(context, node, "job", $"{jobNamespace}/{jobName}");
        return node;
    }

    private static string AddRun(ProjectionContext context, OpenLineageEvent e)
    {
        var job = AddJob(context, e.JobNamespace!, e.JobName!);
        var state = e.EventType is null or "OTHER" ? null : e.EventType;
        context.Enqueue(
            "INSERT INTO governance.pipeline_runs AS p (run_id, job_namespace, job_name, state, state_at, events) VALUES ($1, $2, $3, $4, $5, 1) " +
            "ON CONFLICT (run_id) DO UPDATE SET job_namespace = EXCLUDED.job_namespace, job_name = EXCLUDED.job_name, events = p.events + 1, " +
            $"state = CASE WHEN {Wins} THEN EXCLUDED.state ELSE p.state END, state_at = CASE WHEN {Wins} THEN EXCLUDED.state_at ELSE p.state_at END",
            e.RunId, e.JobNamespace, e.JobName, state, state is null ? null : e.EventTime.ToDateTimeUtc());
        var run = Label(context, e.RunId!);
        LineageGraph.AddEdge(context, job, run, LineageGraph.RunOf);
        if (e.Parent is { } parent && parent.RunId != e.RunId)
        {
            // The parent (a DAG run scheduling this task) is drawn from the facet; its own events fill in its state.
            var parentJob = AddJob(context, parent.JobNamespace, parent.JobName);
            context.Enqueue(
                "INSERT INTO governance.pipeline_runs (run_id, job_namespace, job_name, events) VALUES ($1, $2, $3, 0) ON CONFLICT (run_id) DO NOTHING",
                parent.RunId, parent.JobNamespace, parent.JobName);
            var parentRun = Label(context, parent.RunId);
            LineageGraph.AddEdge(context, parentJob, parentRun, LineageGraph.RunOf);
            LineageGraph.AddEdge(context, parentRun, run, LineageGraph.ChildOf);
        }

        return run;
    }

    private static string Label(ProjectionContext context, string runId)
    {
        context.Enqueue(
            "INSERT INTO governance.lineage_nodes (id, kind, label) " +
            "SELECT 'pipelinerun:' || run_id, 'pipelinerun', job_namespace || '/' || job_name || COALESCE(' (' || state || ')', '') " +
            "FROM governance.pipeline_runs WHERE run_id = $1 ON CONFLICT (id) DO UPDATE SET label = EXCLUDED.label", runId);
        return PipelineRun.RunNodeId(runId);
    }

    private static void AddExternal(ProjectionContext context, OpenLineageDataset dataset) =>
        context.Enqueue(
            "INSERT INTO governance.lineage_nodes (id, kind, label) SELECT 'external:' || $1, 'external', $1 " +
            "WHERE governance.lineage_node_for_uri($1) = 'external:' || $1 ON CONFLICT (id) DO NOTHING", dataset.Uri);

    private static void Use(ProjectionContext context, OpenLineageDataset dataset, string node, string role)
    {
        context.Enqueue("INSERT INTO governance.openlineage_datasets (uri, node_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", dataset.Uri, node, role);
        AddExternal(context, dataset);
        context.Enqueue(
            role == "input"
                ? $"INSERT INTO governance.lineage_edges (from_id, to_id, kind) SELECT governance.lineage_node_for_uri($1), $2, '{LineageGraph.ReadBy}' ON CONFLICT DO NOTHING"
                : $"INSERT INTO governance.lineage_edges (from_id, to_id, kind) SELECT $2, governance.lineage_node_for_uri($1), '{LineageGraph.ProducedBy}' ON CONFLICT DO NOTHING",
            dataset.Uri, node);
    }

    /// <summary>
    /// A dataset version or model version was registered with <paramref name="uri"/>: the runs and jobs that named it
    /// before now read or wrote the registered node, and its external stand-in goes.
    /// </summary>
    private static void Join(ProjectionContext context, string uri)
    {
        Lock(context, uri);
        context.Enqueue(
            "INSERT INTO governance.lineage_edges (from_id, to_id, kind) " +
            "SELECT CASE d.role WHEN 'input' THEN n.id ELSE d.node_id END, CASE d.role WHEN 'input' THEN d.node_id ELSE n.id END, " +
            $"CASE d.role WHEN 'input' THEN '{LineageGraph.ReadBy}' ELSE '{LineageGraph.ProducedBy}' END " +
            "FROM governance.openlineage_datasets d CROSS JOIN (SELECT governance.lineage_node_for_uri($1) AS id) n " +
            "WHERE d.uri = $1 AND n.id <> 'external:' || $1 ON CONFLICT DO NOTHING", uri);
        context.Enqueue(
            "DELETE FROM governance.lineage_edges WHERE (from_id = 'external:' || $1 OR to_id = 'external:' || $1) " +
            "AND governance.lineage_node_for_uri($1) <> 'external:' || $1", uri);
        context.Enqueue(
            "DELETE FROM governance.lineage_nodes WHERE id = 'external:' || $1 AND governance.lineage_node_for_uri($1) <> 'external:' || $1", uri);
    }

    // An event naming a URI and a registration of it, committing at the same moment, would each miss the other (each
    // reads before the other commits). They take turns on the URI instead: whoever comes second sees the first.
    private static void Lock(ProjectionContext context, string uri) =>
        context.Enqueue("SELECT pg_advisory_xact_lock(hashtextextended('lineage-uri:' || $1, 0))", uri);
}
