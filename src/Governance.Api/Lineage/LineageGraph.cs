using Governance.EventLog.Projections;

namespace Governance.Api.Lineage;

/// <summary>Writes lineage nodes and edges; edges point from an input (upstream) to what was made from it.</summary>
public static class LineageGraph
{
    /// <summary>A dataset or model version made from another of its kind.</summary>
    public const string DerivedFrom = "derived_from";

    /// <summary>A run or model version trained on a dataset version.</summary>
    public const string TrainedOn = "trained_on";

    /// <summary>A model version produced by a run.</summary>
    public const string ProducedBy = "produced_by";

    /// <summary>A model version evaluated on a dataset version.</summary>
    public const string EvaluatedOn = "evaluated_on";

    /// <summary>A dataset read by a pipeline run or job (OpenLineage inputs).</summary>
    public const string ReadBy = "read_by";

    /// <summary>A pipeline run of a job.</summary>
    public const string RunOf = "run_of";

    /// <summary>A pipeline run spawned by another (OpenLineage's parent run facet: a DAG run and its tasks).</summary>
    public const string ChildOf = "child_of";

    /// <summary>A guardrail attached to a model version.</summary>
    public const string GuardedBy = "guarded_by";

    /// <summary>Adds a node once (queued with the projection's other writes).</summary>
    public static void AddNode(ProjectionContext context, string id, string kind, string label) =>
        context.Enqueue("INSERT INTO governance.lineage_nodes (id, kind, label) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING", id, kind, label);

    /// <summary>
    /// Adds an edge once (queued with the projection's other writes). Edges only ever point at a node being created now from nodes that already exist, so
    /// the graph cannot get a cycle; the query guards against one anyway.
    /// </summary>
    public static void AddEdge(ProjectionContext context, string from, string to, string kind) =>
        context.Enqueue(
            "INSERT INTO governance.lineage_edges (from_id, to_id, kind) SELECT $1, $2, $3 " +
            "WHERE EXISTS (SELECT 1 FROM governance.lineage_nodes WHERE id = $1) ON CONFLICT DO NOTHING", from, to, kind);
}
