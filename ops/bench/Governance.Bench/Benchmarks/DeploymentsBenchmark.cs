using System.Diagnostics;
using Governance.Api.Deployments;
using NodaTime;
using Npgsql;

namespace Governance.Bench.Benchmarks;

/// <summary>
/// "What ran at T" for a model with 10,000 deployments (and 900,000 more of 90 other models in the same table), through
/// the same query the endpoint runs on the interval table, against a baseline of single-row primary-key reads.
/// </summary>
public sealed class DeploymentsBenchmark : IBenchmark
{
    private const int Deployments = 10_000;
    private const int OtherModels = 90;
    private static readonly Instant Start = Instant.FromUtc(2024, 1, 1, 0, 0);

    /// <inheritdoc />
    public string Name => "deployments";

    /// <inheritdoc />
    public string Description => "deployments?at=T p50/p99 for a model with 10,000 deployments vs. a primary-key read";

    /// <inheritdoc />
    public async Task RunAsync(BenchContext context, CancellationToken ct)
    {
        var connectionString = await context.CreateServiceDatabaseAsync("deployments", ct);
        await using var db = NpgsqlDataSource.Create(connectionString);
        BenchContext.Log($"deployments: seeding {Deployments:N0} deployments of one model and {OtherModels * Deployments:N0} of others");
        await SeedAsync(db, ct);

        var queries = new DeploymentQueries(db);
        var random = new Random(11);
        var span = Duration.FromMinutes(10L * (Deployments + 10));
        Instant PickInstant() => Start + Duration.FromSeconds(random.NextInt64((long)span.TotalSeconds));
        var iterations = Environment.GetEnvironmentVariable("BENCH_DEPLOYMENT_QUERIES") is { } q ? int.Parse(q, System.Globalization.CultureInfo.InvariantCulture) : 5_000;

        for (var i = 0; i < 300; i++)
        {
            await queries.AtAsync("bench-model", PickInstant(), ct);
        }

        var at = new List<double>(iterations);
        var baseline = new List<double>(iterations);
        var answered = 0;
        for (var i = 0; i < iterations; i++)
        {
            var instant = PickInstant();
            var started = Stopwatch.GetTimestamp();
            var result = await queries.AtAsync("bench-model", instant, ct);
            at.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            answered += result!.Stages.Count(s => s.Version is not null);

            started = Stopwatch.GetTimestamp();
            await using var cmd = db.CreateCommand("SELECT key, stages FROM governance.models WHERE key = $1");
            cmd.Parameters.Add(new() { Value = "bench-model" });
            await using (var reader = await cmd.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                }
            }

            baseline.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        at.Sort();
        baseline.Sort();
        context.Report("deployments_of_model", Deployments);
        context.Report("deployments_in_table", Deployments * (OtherModels + 1));
        context.Report("deployments_at_queries", iterations);
        context.Report("deployments_at_stages_running_per_answer", (double)answered / iterations, 2);
        context.Report("deployments_at_p50_ms", Percentile(at, 0.50), 3);
        context.Report("deployments_at_p99_ms", Percentile(at, 0.99), 3);
        context.Report("pk_read_p99_ms", Percentile(baseline, 0.99), 3);
        context.Report("deployments_at_vs_pk_read_p99_ratio", Percentile(at, 0.99) / Percentile(baseline, 0.99), 1);
    }

    /// <summary>
    /// Deployment i of a model goes to shadow, canary or production in turn, ten minutes after the one before, and runs
    /// until the next deployment to its stage; the last of each stage still runs. Every tenth interval was rolled back.
    /// </summary>
    private static async Task SeedAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        await using (var models = db.CreateCommand(
            "INSERT INTO governance.models (key, name, team, task_type, stages, registered_at, registered_by) " +
            "SELECT k, k, 'bench', 'classification', ARRAY['offline', 'shadow', 'canary', 'production'], $1, 'bench' " +
            "FROM (SELECT 'bench-model' AS k UNION ALL SELECT 'other-' || m FROM generate_series(1, $2) m) x"))
        {
            models.Parameters.Add(new() { Value = Start.ToDateTimeUtc() });
            models.Parameters.Add(new() { Value = OtherModels });
            await models.ExecuteNonQueryAsync(ct);
        }

        await using (var intervals = db.CreateCommand("""
            INSERT INTO governance.deployment_intervals (model, stage, version, "from", "to", promotion_id, rolled_back, approved_by, fallback)
            SELECT m.key, (ARRAY['shadow', 'canary', 'production'])[1 + i % 3], 'v' || i,
                   $1 + make_interval(mins => 10 * i),
                   CASE WHEN i + 3 < $2 THEN $1 + make_interval(mins => 10 * (i + 3)) END,
                   md5(m.key || i), i % 10 = 9, ARRAY['alice', 'bob'], CASE WHEN i >= 3 THEN 'v' || (i - 3) END
            FROM governance.models m, generate_series(0, $2 - 1) i
            ORDER BY i, m.key
            """))
        {
            intervals.Parameters.Add(new() { Value = Start.ToDateTimeUtc() });
            intervals.Parameters.Add(new() { Value = Deployments });
            intervals.CommandTimeout = 600;
            await intervals.ExecuteNonQueryAsync(ct);
        }

        await using var analyze = db.CreateCommand("ANALYZE governance.models; ANALYZE governance.deployment_intervals");
        await analyze.ExecuteNonQueryAsync(ct);
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
