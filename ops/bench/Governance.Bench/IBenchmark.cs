namespace Governance.Bench;

/// <summary>One benchmark: measures something against the server in <see cref="BenchContext"/> and reports key=value lines.</summary>
public interface IBenchmark
{
    /// <summary>The name given to <c>run.sh</c>.</summary>
    string Name { get; }

    /// <summary>One line for the usage text.</summary>
    string Description { get; }

    /// <summary>Runs the benchmark; figures go through <see cref="BenchContext.Report(string, double, int)"/>.</summary>
    Task RunAsync(BenchContext context, CancellationToken ct);
}
