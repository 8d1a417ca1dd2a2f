using Governance.Api.Experiments;
using Governance.Api.Lineage;
using Governance.EventLog;
using Governance.EventLog.Projections;

namespace Governance.Api.ModelVersions;

/// <summary>governance.model_versions and model-version lineage, in the append transaction.</summary>
public sealed class ModelVersionsProjection : IInlineProjection
{
    /// <inheritdoc />
    public IReadOnlyList<string> Tables { get; } = ["governance.model_versions", "governance.lineage_nodes", "governance.lineage_edges"];

    /// <inheritdoc />
    public Task ApplyAsync(ProjectionContext context, IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        foreach (var @event in events)
        {
            switch (@event.Data)
            {
                case ModelVersionRegistered r:
                    context.Enqueue(
                        "INSERT INTO governance.model_versions (model, version, artifact_uri, digest, experiment_id, run_id, code_commit, registered_at, registered_by) " +
                        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                        r.Model, r.Version, r.ArtifactUri, r.Digest, r.ExperimentId, r.RunId, r.CodeCommit, r.RegisteredAt.ToDateTimeUtc(), r.RegisteredBy);
                    var node = ModelVersion.NodeId(r.Model, r.Version);
                    LineageGraph.AddNode(context, node, "model", $"{r.Model}@{r.Version}");
                    foreach (var dataset in r.TrainingDatasets)
                    {
                        LineageGraph.AddEdge(context, "dataset:" + dataset, node, LineageGraph.TrainedOn);
                    }

                    foreach (var parent in r.Parents)
                    {
                        LineageGraph.AddEdge(context, "model:" + parent, node, LineageGraph.DerivedFrom);
                    }

                    if (r.ExperimentId is not null && r.RunId is not null)
                    {
                        LineageGraph.AddEdge(context, Experiment.RunNodeId(r.ExperimentId, r.RunId), node, LineageGraph.ProducedBy);
                    }

                    break;
                case GuardrailAttached g:
                    var guardrail = $"guardrail:{g.Guardrail}@{g.GuardrailVersion}";
                    LineageGraph.AddNode(context, guardrail, "guardrail", $"{g.Guardrail}@{g.GuardrailVersion}");
                    LineageGraph.AddEdge(context, guardrail, ModelVersion.NodeId(g.Model, g.Version), LineageGraph.GuardedBy);
                    break;
                case ModelVersionDeprecated d:
                    context.Enqueue("UPDATE governance.model_versions SET deprecated_at = $3 WHERE model = $1 AND version = $2",
                        d.Model, d.Version, d.DeprecatedAt.ToDateTimeUtc());
                    break;
            }
        }

        return Task.CompletedTask;
    }
}
