using Governance.Api.Core.Auth;
using Governance.Api.Core.Errors;
using Governance.EventLog;
using NodaTime;
using Governance.Api.Core.Requests;

namespace Governance.Api.Experiments;

/// <summary>GET /experiments/{id}: the hypothesis, runs and conclusion; GET /experiments?model=: a model's experiments.</summary>
public static class GetExperiments
{
    /// <summary>An experiment as people read it.</summary>
    public sealed record ExperimentView(string Id, string Model, string Hypothesis, ExperimentKind Kind, string? BaseVersion,
        string StartedBy, Instant StartedAt, string Status, ExperimentOutcome? Outcome, string? Reason, IReadOnlyList<Run> Runs);

    /// <summary>Maps the endpoints.</summary>
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/experiments/{id}", async (string id, IEventStore store, CancellationToken ct) =>
                await store.AggregateStreamAsync<Experiment>(Experiment.StreamId(id), ct: ct) is { } found
                    ? Results.Ok(View(found.State))
                    : DomainError.NotFound($"No experiment '{id}'.").ToResult())
            .RequireRole(Roles.Viewer).WithTags("Experiments").WithName("GetExperiment").WithStreamETag("id", Experiment.StreamId, answersNotModified: true)
            .WithSummary("An experiment with its runs and conclusion.")
            .Produces<ExperimentView>().ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/experiments", async (Npgsql.NpgsqlDataSource db, IEventStore store, CancellationToken ct, string? model = null) =>
            {
                await using var cmd = db.CreateCommand("SELECT id FROM governance.experiments WHERE ($1::text IS NULL OR model = $1) ORDER BY started_at DESC LIMIT 500");
                cmd.Parameters.Add(new() { Value = (object?)model ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
                var ids = new List<string>();
                await using (var reader = await cmd.ExecuteReaderAsync(ct))
                {
                    while (await reader.ReadAsync(ct))
                    {
                        ids.Add(reader.GetString(0));
                    }
                }

                var views = new List<ExperimentView>();
                foreach (var id in ids)
                {
                    if (await store.AggregateStreamAsync<Experiment>(Experiment.StreamId(id), ct: ct) is { } found)
                    {
                        views.Add(View(found.State));
                    }
                }

                return Results.Ok(views);
            })
            .RequireRole(Roles.Viewer).WithTags("Experiments").WithName("ListExperiments")
            .WithSummary("Experiments, newest first, optionally of one model.")
            .Produces<IReadOnlyList<ExperimentView>>();
    }

    private static ExperimentView View(Experiment e) =>
        new(e.Id, e.Model, e.Hypothesis, e.Kind, e.BaseVersion, e.StartedBy, e.StartedAt,
            e.Outcome is null ? "running" : "concluded", e.Outcome, e.Reason, e.Runs);
}
