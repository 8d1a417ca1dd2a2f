using Governance.Bench.Benchmarks;

namespace Governance.Bench;

/// <summary>
/// The entry point (a named class, not top-level statements: the service's <c>Program</c> must stay the only one in
/// scope, for the in-process host).
/// </summary>
public static class BenchMain
{
    public static Task<int> Main(string[] args)
    {
        // Every benchmark is one class; add it here and `bash ops/bench/run.sh <name>` runs it.
        IBenchmark[] benchmarks =
        [
            new AppendBenchmark(),
            new CatchupBenchmark(),
            new LineageBenchmark(),
            new EvaluationsBenchmark(),
            new DeploymentsBenchmark(),
            new DocsBenchmark(),
            new SloBenchmark(),
            new LagBenchmark(),
            new FailoverBenchmark(),
            new WebhooksBenchmark(),
        ];

        return BenchRunner.RunAsync(args, benchmarks);
    }
}
