using Governance.Api.Core.Storage;
using Marten;
using Npgsql;

namespace Governance.Api.Core.Health;

/// <summary>/health/live (the process answers) and /health/ready (database, schema and daemon are fine).</summary>
public static class HealthEndpoints
{
    /// <summary>The process answers.</summary>
    public sealed record Liveness(string Status);

    /// <summary>A readiness report.</summary>
    public sealed record Readiness(string Status, bool Database, bool Migrations, bool Daemon, string? Error = null);

    /// <summary>Maps both endpoints, open to anyone.</summary>
    public static WebApplication MapGovernanceHealth(this WebApplication app)
    {
        app.MapGet("/health/live", () => Results.Ok(new Liveness("live")))
            .AllowAnonymous().WithTags("Health").WithName("Live").Produces<Liveness>();

        app.MapGet("/health/ready", async (NpgsqlDataSource db, StorageSettings storage, IServiceProvider services, CancellationToken ct) =>
            {
                bool database = false, migrations = false;
                string? error = null;
                try
                {
                    await using var cmd = db.CreateCommand("SELECT 1");
                    database = await cmd.ExecuteScalarAsync(ct) is 1;
                    migrations = await SchemaMigrator.IsCurrentAsync(db, storage.Migrations, ct);
                }
                catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
                {
                    error = ex.Message;
                }

                // On a node with background work, Wolverine's coordinator runs the async projections the leader assigns to it.
                var daemonOk = !storage.RunDaemon || services.GetService<Marten.Events.Daemon.Coordination.IProjectionCoordinator>() is not null;
                var ready = database && migrations && daemonOk;
                var report = new Readiness(ready ? "ready" : "not ready", database, migrations, daemonOk, error);
                return ready ? Results.Ok(report) : Results.Json(report, statusCode: StatusCodes.Status503ServiceUnavailable);
            })
            .AllowAnonymous().WithTags("Health").WithName("Ready")
            .Produces<Readiness>().Produces<Readiness>(StatusCodes.Status503ServiceUnavailable);
        return app;
    }
}
