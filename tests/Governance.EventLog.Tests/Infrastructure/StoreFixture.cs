using Governance.EventLog.Projections;
using Npgsql;

namespace Governance.EventLog.Tests.Infrastructure;

/// <summary>
/// One log per test class for the tests of the service's store (<see cref="MartenEventStore"/>); each test builds the
/// store it needs over it, with its own inline projections, and uses streams of its own.
/// </summary>
public sealed class StoreFixture : IAsyncLifetime
{
    public TestLog Log { get; private set; } = null!;

    public string ConnectionString => Log.ConnectionString;

    public async Task InitializeAsync() => Log = await TestLog.StartAsync();

    public async Task DisposeAsync() => await Log.DisposeAsync();

    /// <summary>The service's store over this class's log, as the service builds it.</summary>
    public TestStore CreateStore(
        IEnumerable<IInlineProjection>? inline = null, GroupCommitOptions? groupCommit = null, EventTypeRegistry? registry = null) =>
        new(Log, inline ?? [], groupCommit, registry);

    public Task ExecuteAsync(string sql) => Log.ExecuteAsync(sql);

    public Task<T> ScalarAsync<T>(string sql) => Log.ScalarAsync<T>(sql);
}

/// <summary>A <see cref="MartenEventStore"/> over a test log; disposing it stops its group commit.</summary>
public sealed class TestStore(TestLog log, IEnumerable<IInlineProjection> inline, GroupCommitOptions? groupCommit = null, EventTypeRegistry? registry = null)
    : IAsyncDisposable
{
    public MartenEventStore Store { get; } = new(log.Store, log.DataSource, registry ?? log.Options.Registry, inline, groupCommit);

    public NpgsqlDataSource DataSource => log.DataSource;

    public ValueTask DisposeAsync() => Store.DisposeAsync();
}

/// <summary>An inline projection that runs a callback in the append transaction.</summary>
public sealed class InlineCallback(Func<ProjectionContext, IReadOnlyList<StoredEvent>, CancellationToken, Task> apply) : IInlineProjection
{
    public Task ApplyAsync(ProjectionContext context, IReadOnlyList<StoredEvent> events, CancellationToken ct) => apply(context, events, ct);
}

public static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> until it holds or the time is up.</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, string because, int timeoutMs = 15_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting until {because}.");
            }

            await Task.Delay(20);
        }
    }

    public static Task TrueAsync(Func<bool> condition, string because, int timeoutMs = 15_000) =>
        TrueAsync(() => Task.FromResult(condition()), because, timeoutMs);
}
