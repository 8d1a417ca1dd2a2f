using System.Diagnostics;

namespace Governance.Bench;

/// <summary>What a fixed-time run of concurrent workers did in its measured window.</summary>
public sealed class LoadResult(TimeSpan elapsed, double[] latencies)
{
    /// <summary>Nothing measured yet; <see cref="Add"/> results to it.</summary>
    public static LoadResult Empty { get; } = new(TimeSpan.Zero, []);

    public long Operations => Latencies.Length;

    public TimeSpan Elapsed { get; } = elapsed;

    /// <summary>Latency of every operation in the window, in milliseconds, sorted.</summary>
    public double[] Latencies { get; } = latencies;

    public double PerSecond => Operations / Elapsed.TotalSeconds;

    public double P50Milliseconds => Percentile(0.50);

    public double P99Milliseconds => Percentile(0.99);

    /// <summary>Two windows as one (rounds of the same measurement).</summary>
    public LoadResult Add(LoadResult other)
    {
        var all = Latencies.Concat(other.Latencies).ToArray();
        Array.Sort(all);
        return new LoadResult(Elapsed + other.Elapsed, all);
    }

    private double Percentile(double p) =>
        Latencies.Length == 0 ? double.NaN : Latencies[Math.Min(Latencies.Length - 1, (int)Math.Ceiling(p * Latencies.Length) - 1)];
}

/// <summary>Runs workers in a closed loop: warm-up, then a fixed measured window; latencies only from the window.</summary>
public static class LoadRunner
{
    /// <summary>
    /// Starts <paramref name="workers"/> loops calling <paramref name="operation"/>(worker, iteration) back to back,
    /// counts the operations that complete inside the measured window and their latencies.
    /// </summary>
    public static async Task<LoadResult> RunAsync(
        int workers, TimeSpan warmup, TimeSpan duration, Func<int, long, CancellationToken, Task> operation, CancellationToken ct)
    {
        var phase = 0; // 0 warm-up, 1 measuring, 2 done
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var loops = Enumerable.Range(0, workers).Select(worker => Task.Run(async () =>
        {
            var latencies = new List<double>(capacity: 16_384);
            for (long i = 0; Volatile.Read(ref phase) < 2; i++)
            {
                var started = Stopwatch.GetTimestamp();
                await operation(worker, i, stop.Token);
                if (Volatile.Read(ref phase) == 1)
                {
                    latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            }

            return latencies;
        }, ct)).ToList();

        await WaitAsync(loops, warmup, ct);
        Volatile.Write(ref phase, 1);
        var window = Stopwatch.StartNew();
        await WaitAsync(loops, duration, ct);
        Volatile.Write(ref phase, 2);
        window.Stop();

        var all = (await Task.WhenAll(loops)).SelectMany(l => l).ToArray();
        Array.Sort(all);
        return new LoadResult(window.Elapsed, all);
    }

    private static async Task WaitAsync(List<Task<List<double>>> loops, TimeSpan delay, CancellationToken ct)
    {
        // Surface a failing worker at once instead of after the whole window.
        await Task.WhenAny(Task.WhenAny(loops), Task.Delay(delay, ct));
        if (loops.FirstOrDefault(t => t.IsFaulted) is { } failed)
        {
            await failed;
        }

        ct.ThrowIfCancellationRequested();
    }
}
