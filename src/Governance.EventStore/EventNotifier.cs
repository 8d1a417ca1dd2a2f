using System.Threading.Channels;
using Npgsql;

namespace Governance.EventStore;

/// <summary>
/// Sends pg_notify after commit, outside the append transaction: NOTIFY inside a transaction takes a
/// database-wide lock at commit, which would serialise every writer's commit. Concurrent appends
/// coalesce into one notification; the daemon also polls, so a lost notification only costs latency.
/// </summary>
internal sealed class EventNotifier(NpgsqlDataSource dataSource) : IAsyncDisposable
{
    public const string Channel = "governance_events";

    /// <summary>At most one notification per window: small against the daemon's latency target, large against a commit.</summary>
    private static readonly TimeSpan CoalesceWindow = TimeSpan.FromMilliseconds(10);

    private readonly Channel<bool> pending = System.Threading.Channels.Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private readonly CancellationTokenSource stopping = new();
    private Task? loop;
    private int started;
    private int disposed;

    public void Signal()
    {
        if (Interlocked.Exchange(ref started, 1) == 0)
        {
            loop = Task.Run(RunAsync);
        }

        pending.Writer.TryWrite(true);
    }

    private async Task RunAsync()
    {
        try
        {
            while (await pending.Reader.WaitToReadAsync(stopping.Token))
            {
                pending.Reader.TryRead(out _);
                try
                {
                    await using var cmd = dataSource.CreateCommand($"SELECT pg_notify('{Channel}', '')");
                    await cmd.ExecuteNonQueryAsync(stopping.Token);
                }
                catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
                {
                    // Polling picks the events up; nothing is lost by a failed wake-up call.
                }

                // Each pg_notify is a transaction of its own (an xid, a commit, the notify queue's lock): under load
                // one per append costs writers throughput. Coalesce the appends of the next few milliseconds.
                await Task.Delay(CoalesceWindow, stopping.Token);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Hosts may dispose the store more than once.
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        pending.Writer.TryComplete();
        await stopping.CancelAsync();
        if (loop is not null)
        {
            await loop;
        }

        stopping.Dispose();
    }
}
