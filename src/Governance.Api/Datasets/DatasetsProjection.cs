using Governance.Api.Lineage;
using Governance.EventLog;
using Governance.EventLog.Projections;

namespace Governance.Api.Datasets;

/// <summary>governance.dataset_versions and the dataset part of the lineage graph, in the append transaction.</summary>
public sealed class DatasetsProjection : IInlineProjection
{
    /// <inheritdoc />
    public IReadOnlyList<string> Tables { get; } = ["governance.dataset_versions", "governance.lineage_nodes", "governance.lineage_edges"];

    /// <inheritdoc />
    public Task ApplyAsync(ProjectionContext context, IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        foreach (var @event in events)
        {
            switch (@event.Data)
            {
                case DatasetVersionRegistered r:
                    context.Enqueue(
                        "INSERT INTO governance.dataset_versions (name, version, uri, digest, rows, parents, registered_at, registered_by) " +
                        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                        r.Name, r.Version, r.Uri, r.Digest, r.Rows, r.Parents.ToArray(), r.RegisteredAt.ToDateTimeUtc(), r.RegisteredBy);
                    var node = Dataset.NodeId(r.Name, r.Version);
                    LineageGraph.AddNode(context, node, "dataset", $"{r.Name}@{r.Version}");
                    foreach (var parent in r.Parents)
                    {
                        LineageGraph.AddEdge(context, $"dataset:{parent}", node, LineageGraph.DerivedFrom);
                    }

                    break;
                case DatasetVersionFlagged f:
                    context.Enqueue(
                        "UPDATE governance.dataset_versions SET flagged_reason = $3, flagged_at = $4, flagged_by = $5 WHERE name = $1 AND version = $2",
                        f.Name, f.Version, f.Reason, f.FlaggedAt.ToDateTimeUtc(), f.FlaggedBy);
                    break;
            }
        }

        return Task.CompletedTask;
    }
}
