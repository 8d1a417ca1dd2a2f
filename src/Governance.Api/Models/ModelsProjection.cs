using System.Text.Json;
using Governance.EventLog;
using Governance.EventLog.Projections;
using NpgsqlTypes;

namespace Governance.Api.Models;

/// <summary>Keeps governance.models current with model streams, in the append transaction.</summary>
public sealed class ModelsProjection : IInlineProjection
{
    /// <inheritdoc />
    public IReadOnlyList<string> Tables { get; } = ["governance.models"];

    /// <inheritdoc />
    public Task ApplyAsync(ProjectionContext context, IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        foreach (var @event in events)
        {
            switch (@event.Data)
            {
                case ModelRegistered r:
                    context.Enqueue(
                        "INSERT INTO governance.models (key, name, description, team, task_type, stages, kpis, registered_at, registered_by) " +
                        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                        r.Key, r.Name, r.Description, r.Team, r.TaskType, r.Stages.ToArray(),
                        new Npgsql.NpgsqlParameter { Value = JsonSerializer.Serialize(r.Kpis, EventJson.Options), NpgsqlDbType = NpgsqlDbType.Jsonb },
                        r.RegisteredAt.ToDateTimeUtc(), r.RegisteredBy);
                    break;
                case ModelDescribed d:
                    context.Enqueue("UPDATE governance.models SET description = $2 WHERE key = $1",
                        d.Key, d.Description);
                    break;
                case ModelStagesConfigured s:
                    context.Enqueue("UPDATE governance.models SET stages = $2 WHERE key = $1",
                        s.Key, s.Stages.ToArray());
                    break;
                case ModelRetired r:
                    context.Enqueue("UPDATE governance.models SET retired_at = $2 WHERE key = $1",
                        r.Key, r.RetiredAt.ToDateTimeUtc());
                    break;
            }
        }

        return Task.CompletedTask;
    }
}
