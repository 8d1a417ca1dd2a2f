using NodaTime;
using NodaTime.Testing;

namespace Governance.EventLog.Tests.Infrastructure;

/// <summary>One log per test class, on a fake clock; tests use streams of their own.</summary>
public sealed class LogFixture : IAsyncLifetime
{
    public static readonly Instant ClockStart = Instant.FromUtc(2031, 3, 14, 9, 26, 53) + Duration.FromTicks(5_890);

    public FakeClock Clock { get; } = new(ClockStart);

    public TestLog Log { get; private set; } = null!;

    public async Task InitializeAsync() => Log = await TestLog.StartAsync(clock: Clock);

    public async Task DisposeAsync() => await Log.DisposeAsync();
}
