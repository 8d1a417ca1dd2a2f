using Governance.Api.Experiments;
using Governance.Api.Lineage;
using Governance.EventStore;
using Governance.EventStore.Projections;

namespace Governance.Api.ModelVersions;

/// <summary>governance.model_versions and model-version lineage, in the append transaction.</summary>
public sealed class ModelVersionsProjection : IInlineProjection
{
    /// <inheritdoc />
    public async Task ApplyAsync(ProjectionContext context, IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        foreach (var @event in events)
        {
            switch (@event.Data)
            {
                case ModelVersionRegistered r:
                    await context.ExecuteAsync(
                        "INSERT INTO governance.model_versions (model, version, artifact_uri, digest, experiment_id, run_id, code_commit, registered_at, registered_by) " +
                        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                        ct, r.Model, r.Version, r.ArtifactUri, r.Digest, r.ExperimentId, r.RunId, r.CodeCommit, r.RegisteredAt.ToDateTimeUtc(), r.RegisteredBy);
                    var node = ModelVersion.NodeId(r.Model, r.Version);
                    await LineageGraph.AddNodeAsync(context, node, "model", $"{r.Model}@{r.Version}", ct);
                    foreach (var dataset in r.TrainingDatasets)
                    {
                        await LineageGraph.AddEdgeAsync(context, "dataset:" + dataset, node, LineageGraph.TrainedOn, ct);
                    }

                    foreach (var parent in r.Parents)
                    {
                        await LineageGraph.AddEdgeAsync(context, "model:" + parent, node, LineageGraph.DerivedFrom, ct);
                    }

                    if (r.ExperimentId is not null && r.RunId is not null)
                    {
                        await LineageGraph.AddEdgeAsync(context, Experiment.RunNodeId(r.ExperimentId, r.RunId), node, LineageGraph.ProducedBy, ct);
                    }

                    break;
                case GuardrailAttached g:
                    var guardrail = $"guardrail:{g.Guardrail}@{g.GuardrailVersion}";
                    await LineageGraph.AddNodeAsync(context, guardrail, "guardrail", $"{g.Guardrail}@{g.GuardrailVersion}", ct);
                    await LineageGraph.AddEdgeAsync(context, guardrail, ModelVersion.NodeId(g.Model, g.Version), LineageGraph.GuardedBy, ct);
                    break;
                case ModelVersionDeprecated d:
                    await context.ExecuteAsync("UPDATE governance.model_versions SET deprecated_at = $3 WHERE model = $1 AND version = $2",
                        ct, d.Model, d.Version, d.DeprecatedAt.ToDateTimeUtc());
                    break;
            }
        }
    }
}
