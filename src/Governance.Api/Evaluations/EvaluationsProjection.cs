using System.Text.Json;
using Governance.Api.Lineage;
using Governance.Api.ModelVersions;
using Governance.EventLog;
using Governance.EventLog.Projections;
using NpgsqlTypes;

namespace Governance.Api.Evaluations;

/// <summary>
/// Keeps governance.evaluation_suites and governance.evaluations in step, and adds an <c>evaluated_on</c> lineage edge
/// from each dataset version to the evaluated model version, inside the append transaction: the next evaluation's
/// baseline and a promotion's gates see an evaluation the moment it is recorded.
/// </summary>
public sealed class EvaluationsProjection : IInlineProjection
{
    private static readonly JsonSerializerOptions Json = Governance.EventLog.EventJson.Options;

    /// <inheritdoc />
    public IReadOnlyList<string> Tables { get; } = ["governance.evaluation_suites", "governance.evaluations", "governance.lineage_edges"];

    /// <inheritdoc />
    public Task ApplyAsync(ProjectionContext context, IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        foreach (var @event in events)
        {
            switch (@event.Data)
            {
                case SuiteDefined defined:
                    InsertRevision(context, defined.Name, defined.Revision, defined.Description, defined.Metrics, defined.Slices,
                        "defined", defined.DefinedAt.ToDateTimeUtc(), defined.DefinedBy);
                    break;
                case SuiteRevised revised:
                    InsertRevision(context, revised.Name, revised.Revision, revised.Description, revised.Metrics, revised.Slices,
                        "revised", revised.RevisedAt.ToDateTimeUtc(), revised.RevisedBy);
                    break;
                case SuiteSliceAdded added:
                    context.Enqueue("""
                        INSERT INTO governance.evaluation_suites (name, revision, description, definition, change, changed_at, changed_by, incident_id)
                        SELECT name, $2, description,
                               jsonb_set(definition, '{slices}', coalesce(definition -> 'slices', '[]'::jsonb) || jsonb_build_array($3::jsonb)),
                               'slice_added', $4, $5, $6
                        FROM governance.evaluation_suites WHERE name = $1 AND revision = $2 - 1
                        """, added.Name, added.Revision, Jsonb(added.Slice), added.AddedAt.ToDateTimeUtc(), added.AddedBy, added.IncidentId);
                    break;
                case EvaluationRecorded recorded:
                    InsertEvaluation(context, recorded, @event.Seq);
                    break;
            }
        }

        return Task.CompletedTask;
    }

    private static void InsertRevision(
        ProjectionContext context, string name, int revision, string description, IReadOnlyList<SuiteMetric> metrics, IReadOnlyList<SuiteSlice> slices,
        string change, DateTime at, string by) =>
        context.Enqueue("""
            INSERT INTO governance.evaluation_suites (name, revision, description, definition, change, changed_at, changed_by)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            """, name, revision, description, Jsonb(new SuiteDefinition(metrics, slices)), change, at, by);

    private static void InsertEvaluation(ProjectionContext context, EvaluationRecorded e, long seq) =>
        // One statement per evaluation, written many times a second: the row, and an evaluated_on lineage edge from each
        // dataset version to the model version (nodes exist once both are registered, which was checked before
        // recording; an edge is only drawn from one that does, as LineageGraph.AddEdge does).
        context.Enqueue("""
            WITH evaluation AS (
                INSERT INTO governance.evaluations (id, model, version, suite, suite_revision, stage, passed, metrics, slices, product_metrics,
                                                    checks, datasets, baseline_version, baseline_evaluation_id, recorded_at, recorded_by, seq)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17))
            INSERT INTO governance.lineage_edges (from_id, to_id, kind)
            SELECT DISTINCT 'dataset:' || d, $18, $19 FROM unnest($12::text[]) AS d
            WHERE EXISTS (SELECT 1 FROM governance.lineage_nodes WHERE id = 'dataset:' || d)
            ON CONFLICT DO NOTHING
            """, e.Id, e.Model, e.Version, e.Suite, e.SuiteRevision, e.Stage, e.Passed, Jsonb(e.Metrics), Jsonb(e.Slices), Jsonb(e.ProductMetrics),
            Jsonb(e.Checks), e.Datasets.ToArray(), e.BaselineVersion, e.BaselineEvaluationId, e.RecordedAt.ToDateTimeUtc(), e.RecordedBy, seq,
            ModelVersion.NodeId(e.Model, e.Version), LineageGraph.EvaluatedOn);

    private static Npgsql.NpgsqlParameter Jsonb<T>(T value) =>
        new() { Value = JsonSerializer.Serialize(value, Json), NpgsqlDbType = NpgsqlDbType.Jsonb };

    /// <summary>The definition column: a revision's metrics and slices.</summary>
    public sealed record SuiteDefinition(IReadOnlyList<SuiteMetric> Metrics, IReadOnlyList<SuiteSlice> Slices);
}
