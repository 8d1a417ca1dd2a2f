using System.Diagnostics;
using Governance.Api.Lineage;
using Npgsql;

namespace Governance.Bench.Benchmarks;

/// <summary>
/// Lineage queries on a graph of 100,000 nodes: depth-10 walks (both directions) through the same code the
/// endpoint runs, against a baseline of single-row primary-key reads on the same server.
/// </summary>
public sealed class LineageBenchmark : IBenchmark
{
    private const int Width = 1_000;
    private const int Layers = 100;

    /// <inheritdoc />
    public string Name => "lineage";

    /// <inheritdoc />
    public string Description => "lineage depth-10 query p50/p99 on 100,000 nodes vs. a primary-key read";

    /// <inheritdoc />
    public async Task RunAsync(BenchContext context, CancellationToken ct)
    {
        var connectionString = await context.CreateServiceDatabaseAsync("lineage", ct);
        await using var db = NpgsqlDataSource.Create(connectionString);
        BenchContext.Log("lineage: seeding 100,000 nodes");
        await SeedAsync(db, ct);

        var random = new Random(7);
        string PickNode() => $"dataset:n{random.Next(Width)}@l{random.Next(20, Layers - 20)}";
        var iterations = Environment.GetEnvironmentVariable("BENCH_LINEAGE_QUERIES") is { } q ? int.Parse(q, System.Globalization.CultureInfo.InvariantCulture) : 2_000;

        for (var i = 0; i < 200; i++)
        {
            await GetLineage.QueryAsync(db, PickNode(), "both", 10, ct);
        }

        var lineage = new List<double>(iterations);
        var baseline = new List<double>(iterations);
        var nodesSeen = 0L;
        for (var i = 0; i < iterations; i++)
        {
            var node = PickNode();
            var start = Stopwatch.GetTimestamp();
            var graph = await GetLineage.QueryAsync(db, node, "both", 10, ct);
            lineage.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            nodesSeen += graph!.Nodes.Count;

            start = Stopwatch.GetTimestamp();
            await using var cmd = db.CreateCommand("SELECT id, kind, label FROM governance.lineage_nodes WHERE id = $1");
            cmd.Parameters.Add(new() { Value = node });
            await using (var reader = await cmd.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                }
            }

            baseline.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        lineage.Sort();
        baseline.Sort();
        context.Report("lineage_nodes", Width * Layers);
        context.Report("lineage_queries", iterations);
        context.Report("lineage_nodes_per_answer", (double)nodesSeen / iterations, 1);
        context.Report("lineage_depth10_p50_ms", Percentile(lineage, 0.50), 2);
        context.Report("lineage_depth10_p99_ms", Percentile(lineage, 0.99), 2);
        context.Report("pk_read_p99_ms", Percentile(baseline, 0.99), 2);
        context.Report("lineage_vs_pk_read_p99_ratio", Percentile(lineage, 0.99) / Percentile(baseline, 0.99), 1);
    }

    /// <summary>
    /// Layers of 1,000 dataset versions; each node feeds two nodes of the next layer, so a depth-10 walk
    /// meets dozens of nodes in each direction.
    /// </summary>
    private static async Task SeedAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        await using (var nodes = db.CreateCommand(
            "INSERT INTO governance.lineage_nodes (id, kind, label) " +
            "SELECT 'dataset:n' || i || '@l' || l, 'dataset', 'n' || i || '@l' || l FROM generate_series(0, $1 - 1) i, generate_series(0, $2 - 1) l"))
        {
            nodes.Parameters.Add(new() { Value = Width });
            nodes.Parameters.Add(new() { Value = Layers });
            await nodes.ExecuteNonQueryAsync(ct);
        }

        await using (var edges = db.CreateCommand(
            "INSERT INTO governance.lineage_edges (from_id, to_id, kind) " +
            "SELECT 'dataset:n' || i || '@l' || l, 'dataset:n' || ((i + k) % $1) || '@l' || (l + 1), 'derived_from' " +
            "FROM generate_series(0, $1 - 1) i, generate_series(0, $2 - 2) l, generate_series(0, 1) k"))
        {
            edges.Parameters.Add(new() { Value = Width });
            edges.Parameters.Add(new() { Value = Layers });
            await edges.ExecuteNonQueryAsync(ct);
        }

        await using var analyze = db.CreateCommand("ANALYZE governance.lineage_nodes; ANALYZE governance.lineage_edges");
        await analyze.ExecuteNonQueryAsync(ct);
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
