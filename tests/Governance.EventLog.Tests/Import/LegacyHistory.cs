using NodaTime;

namespace Governance.EventLog.Tests.Import;

public enum Verdict
{
    Approved,
    NeedsChanges,
}

public enum StageName
{
    Staging,
    Production,
}

public sealed record Owner(string Team, string? Email = null);

public sealed record ModelRegistered(string Name, Owner Owner, Instant RegisteredAt, LocalDate ReviewBy, IReadOnlyList<string> Tags, string? Description = null);

public sealed record ModelReviewed(string Name, Verdict Verdict, Duration Took, string? Comment = null);

public sealed record SliceScore(string Slice, double Value, bool Passed, string? Note = null);

public sealed record EvaluationRecorded(string Model, int Version, IReadOnlyList<SliceScore> Slices, decimal Score, Instant At);

public sealed record DeploymentWindowSet(StageName Stage, LocalTime Opens, LocalTime Closes, DateTimeZone Zone);

public sealed record Deployed(string Model, int Version, StageName Stage, Instant At, Duration? Soak = null);

/// <summary>
/// A history as the previous store wrote it: models, evaluations and deployments (three stream types), several events
/// per transaction, some transactions over two streams, two transactions that overlap (so commit order and
/// <c>seq</c> order differ), metadata with and without correlation, causation, trace and headers, bodies with
/// NodaTime values, enums, nested records, lists, nulls and non-ASCII text, and times from a historical clock.
/// </summary>
public static class LegacyHistory
{
    public static readonly Instant Start = Instant.FromUtc(2024, 1, 15, 8, 0, 0) + Duration.FromTicks(1_234_560);

    public static EventTypeRegistry RegisterLegacyEvents(this EventTypeRegistry registry) => registry
        .Register<ModelRegistered>().Register<ModelReviewed>().Register<EvaluationRecorded>()
        .Register<DeploymentWindowSet>().Register<Deployed>();

    /// <summary>Writes the history; returns the number of events written.</summary>
    public static async Task<int> WriteAsync(LegacyStore store, int transactions = 110, int seed = 20240115)
    {
        var random = new Random(seed);
        var now = Start;
        var written = 0;
        var evaluations = 0;

        Instant Tick()
        {
            now += Duration.FromMilliseconds(random.Next(50, 90_000)) + Duration.FromTicks(10 * random.Next(1, 999));
            return now;
        }

        async Task WriteAsync(int n, params LegacyAppend[] appends)
        {
            await store.AppendAsync(Meta(n), Tick(), appends);
            written += appends.Sum(a => a.Events.Length);
        }

        for (var i = 0; i < 10; i++)
        {
            var registered = new LegacyAppend($"model-{i}", "model", new ModelRegistered(
                $"churn-{i}", new Owner("risk", i % 2 == 0 ? $"risk{i}@example.com" : null), now, new LocalDate(2024, 2, 1 + i),
                i % 3 == 0 ? [] : ["tabular", $"v{i}"], i % 2 == 0 ? "Prédit le départ — \"churn\" ✓" : null));
            if (i < 8)
            {
                await WriteAsync(i, registered, new LegacyAppend($"deployment-{i}", "deployment",
                    new DeploymentWindowSet(i % 2 == 0 ? StageName.Staging : StageName.Production, new LocalTime(9, 0), new LocalTime(17, 30, 15),
                        DateTimeZoneProviders.Tzdb["Europe/Berlin"])));
            }
            else
            {
                await WriteAsync(i, registered);
            }
        }

        for (var n = 10; n < transactions; n++)
        {
            var model = random.Next(10);
            var deployment = random.Next(8);
            switch (n % 5)
            {
                case 0 or 1:
                    await WriteAsync(n, new LegacyAppend($"model-{model}", "model", [.. Enumerable.Range(0, random.Next(1, 4)).Select(k => Reviewed(model, k, random))]));
                    break;
                case 2 when evaluations < 12:
                    var streams = Enumerable.Range(0, Math.Min(random.Next(1, 3), 12 - evaluations))
                        .Select(_ => new LegacyAppend($"evaluation-{evaluations++:000}", "evaluation",
                            [.. Enumerable.Range(0, random.Next(1, 4)).Select(k => Evaluated(model, k, random, now))]))
                        .ToArray();
                    await WriteAsync(n, streams);
                    break;
                case 3 when n % 40 == 3:
                    // Two transactions overlap: the first takes its transaction id, the second commits in between,
                    // the first writes again and commits. In (tx_id, seq) order the first comes first although the
                    // second's events have lower seq than the first's last one.
                    await using (var first = await store.BeginAsync())
                    {
                        await first.AppendAsync(Meta(n), Tick(), new LegacyAppend($"model-{model}", "model", Reviewed(model, 0, random)));
                        await using (var second = await store.BeginAsync())
                        {
                            await second.AppendAsync(Meta(n + 1), Tick(), new LegacyAppend($"deployment-{deployment}", "deployment", Deploy(model, deployment, random, now)));
                            await second.CommitAsync();
                        }

                        await first.AppendAsync(Meta(n), Tick(), new LegacyAppend($"model-{(model + 1) % 10}", "model", Reviewed(model, 1, random)));
                        await first.CommitAsync();
                    }

                    written += 3;
                    break;
                default:
                    await WriteAsync(n,
                        new LegacyAppend($"deployment-{deployment}", "deployment", [.. Enumerable.Range(0, random.Next(1, 4)).Select(_ => Deploy(model, deployment, random, now))]),
                        new LegacyAppend($"model-{model}", "model", Reviewed(model, 9, random)));
                    break;
            }
        }

        return written;
    }

    private static ModelReviewed Reviewed(int model, int k, Random random) => new(
        $"churn-{model}", random.Next(3) == 0 ? Verdict.NeedsChanges : Verdict.Approved,
        Duration.FromMinutes(random.Next(1, 3_000)) + Duration.FromSeconds(k),
        random.Next(2) == 0 ? null : $"review {k}: ok");

    private static EvaluationRecorded Evaluated(int model, int k, Random random, Instant at) => new(
        $"churn-{model}", k + 1,
        [new SliceScore("all", Math.Round(random.NextDouble(), 4), true), new SliceScore("new-customers", 0.1 + k, k > 0, k == 0 ? "below threshold" : null)],
        Math.Round((decimal)random.NextDouble(), 5), at);

    private static Deployed Deploy(int model, int deployment, Random random, Instant at) => new(
        $"churn-{model}", random.Next(1, 9), deployment % 2 == 0 ? StageName.Staging : StageName.Production, at,
        random.Next(2) == 0 ? null : Duration.FromDays(random.Next(1, 30)) + Duration.FromHours(random.Next(0, 2) * 12));

    public static LegacyMetadata Meta(int n) => (n % 4) switch
    {
        0 => new("ana", $"corr-{n}", $"cause-{n}", $"{n:x32}",
            new Dictionary<string, string> { ["userAgent"] = "gov/1.0", ["remoteIp"] = "10.0.0.7" }),
        1 => new("ben", $"corr-{n}"),
        2 => new("system:slo-monitor"),
        _ => new("carla", CausationId: $"cause-{n}", TraceId: $"{n:x32}"),
    };
}
