using System.Text.Json;
using Governance.Api.Datasets;
using Governance.Api.Lineage;
using Governance.EventLog;
using Governance.EventLog.Projections;
using Npgsql;
using NpgsqlTypes;

namespace Governance.Api.Experiments;

/// <summary>governance.experiments, governance.runs and run lineage, in the append transaction.</summary>
public sealed class ExperimentsProjection : IInlineProjection
{
    /// <inheritdoc />
    public IReadOnlyList<string> Tables { get; } = ["governance.experiments", "governance.runs", "governance.lineage_nodes", "governance.lineage_edges"];

    /// <inheritdoc />
    public Task ApplyAsync(ProjectionContext context, IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        foreach (var @event in events)
        {
            switch (@event.Data)
            {
                case ExperimentStarted s:
                    context.Enqueue(
                        "INSERT INTO governance.experiments (id, model, hypothesis, kind, base_version, started_at, started_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                        s.Id, s.Model, s.Hypothesis, s.Kind.ToString().ToLowerInvariant(), s.BaseVersion, s.StartedAt.ToDateTimeUtc(), s.StartedBy);
                    break;
                case RunRecorded r:
                    context.Enqueue(
                        "INSERT INTO governance.runs (experiment_id, run_id, code_commit, config_hash, datasets, metrics, started_at, finished_at, recorded_by) " +
                        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                        r.ExperimentId, r.RunId, r.CodeCommit, r.ConfigHash, r.Datasets.ToArray(),
                        new NpgsqlParameter { Value = JsonSerializer.Serialize(r.Metrics, EventJson.Options), NpgsqlDbType = NpgsqlDbType.Jsonb },
                        new NpgsqlParameter { Value = r.StartedAt is { } started ? started.ToDateTimeUtc() : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz },
                        new NpgsqlParameter { Value = r.FinishedAt is { } finished ? finished.ToDateTimeUtc() : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz },
                        r.RecordedBy);
                    var node = Experiment.RunNodeId(r.ExperimentId, r.RunId);
                    LineageGraph.AddNode(context, node, "run", $"{r.RunId} ({r.ExperimentId})");
                    foreach (var dataset in r.Datasets)
                    {
                        LineageGraph.AddEdge(context, "dataset:" + dataset, node, LineageGraph.TrainedOn);
                    }

                    break;
                case ExperimentConcluded c:
                    context.Enqueue(
                        "UPDATE governance.experiments SET outcome = $2, reason = $3, concluded_at = $4 WHERE id = $1",
                        c.ExperimentId, c.Outcome.ToString().ToLowerInvariant(), c.Reason, c.ConcludedAt.ToDateTimeUtc());
                    break;
            }
        }

        return Task.CompletedTask;
    }
}
