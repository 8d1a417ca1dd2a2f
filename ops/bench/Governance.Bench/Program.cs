using Governance.Bench;
using Governance.Bench.Benchmarks;

// Every benchmark is one class; add it here and `bash ops/bench/run.sh <name>` runs it.
IBenchmark[] benchmarks =
[
    new AppendBenchmark(),
    new AppendMartenBenchmark(),
    new CatchupBenchmark(),
    new LineageBenchmark(),
    new EvaluationsBenchmark(),
    new DeploymentsBenchmark(),
    new DocsBenchmark(),
    new SloBenchmark(),
    new LagBenchmark(),
];

return await BenchRunner.RunAsync(args, benchmarks);
