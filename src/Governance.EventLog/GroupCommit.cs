using System.Threading.Channels;
using Governance.EventLog.Telemetry;

namespace Governance.EventLog;

/// <summary>How appends that start new streams share transactions.</summary>
public sealed class GroupCommitOptions
{
    /// <summary>Groups committing at once: while one waits for its commit to reach disk, the next is being written.</summary>
    public int Writers { get; set; } = 2;

    /// <summary>The most appends one transaction carries.</summary>
    public int MaxAppends { get; set; } = 64;
}

/// <summary>
/// Group commit for appends that start new streams. Callers queue their append and wait; a few writer loops each take
/// everything queued (up to a limit) and write it as one transaction: one insert batch, one batch of inline
/// projection writes, one commit, instead of one of each per caller. Nothing waits for a group to fill: a lone
/// append is written at once, and groups form only while earlier ones are still committing, that is, under load.
/// A group is all or nothing in the database, but never for its callers: when a group fails, each of its appends is
/// written again on its own, so each caller gets its own result or its own error.
/// </summary>
internal sealed class GroupCommit : IAsyncDisposable
{
    private readonly Channel<Pending> queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });
    private readonly Func<IReadOnlyList<Member>, CancellationToken, Task<IReadOnlyList<StoredEvent>>> write;
    private readonly GroupCommitOptions options;
    private readonly Lock gate = new();
    private Task[]? writers;

    /// <param name="write">Writes members as one transaction and returns what was stored, or throws.</param>
    /// <param name="options">Writers and group size.</param>
    public GroupCommit(Func<IReadOnlyList<Member>, CancellationToken, Task<IReadOnlyList<StoredEvent>>> write, GroupCommitOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Writers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxAppends, 1);
        this.write = write;
        this.options = options;
    }

    /// <summary>
    /// Queues one append and waits for its commit. A caller that stops waiting (cancellation) before its append is
    /// taken into a group has it dropped; once taken, it commits whether or not anybody still waits.
    /// </summary>
    public Task<AppendResult> AppendAsync(Member member, CancellationToken ct)
    {
        EnsureStarted();
        var pending = new Pending(member, new TaskCompletionSource<AppendResult>(TaskCreationOptions.RunContinuationsAsynchronously), ct);
        if (!queue.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(MartenEventStore), "The event log is shutting down.");
        }

        return pending.Result.Task.WaitAsync(ct);
    }

    private void EnsureStarted()
    {
        if (writers is not null)
        {
            return;
        }

        lock (gate)
        {
            writers ??= [.. Enumerable.Range(0, options.Writers).Select(_ => Task.Run(WriteLoopAsync))];
        }
    }

    private async Task WriteLoopAsync()
    {
        var group = new List<Pending>(options.MaxAppends);
        while (await queue.Reader.WaitToReadAsync())
        {
            group.Clear();
            while (group.Count < options.MaxAppends && queue.Reader.TryRead(out var pending))
            {
                if (pending.CallerToken.IsCancellationRequested)
                {
                    pending.Result.TrySetCanceled(pending.CallerToken);
                    continue;
                }

                group.Add(pending);
            }

            if (group.Count > 0)
            {
                LogTelemetry.GroupCommitSize.Record(group.Count);
                try
                {
                    await CommitAsync(group);
                }
                catch (Exception ex)
                {
                    // Never leave a caller waiting, and never let a writer loop die.
                    foreach (var pending in group)
                    {
                        pending.Result.TrySetException(ex);
                    }
                }
            }
        }
    }

    private async Task CommitAsync(List<Pending> group)
    {
        if (group.Count > 1)
        {
            try
            {
                var stored = await write([.. group.Select(p => p.Member)], CancellationToken.None);
                foreach (var pending in group)
                {
                    var streamId = pending.Member.Append.StreamId;
                    pending.Result.TrySetResult(new AppendResult([.. stored.Where(e => e.StreamId == streamId)]));
                }

                return;
            }
            catch (Exception)
            {
                // Somebody's append cannot be written (its stream exists after all, a projection refuses it, the same
                // stream twice in one group): find out whose, by writing each on its own.
                LogTelemetry.GroupCommitSplits.Add(1);
            }
        }

        foreach (var pending in group)
        {
            try
            {
                pending.Result.TrySetResult(new AppendResult(await write([pending.Member], CancellationToken.None)));
            }
            catch (Exception ex)
            {
                pending.Result.TrySetException(ex);
            }
        }
    }

    /// <summary>Stops taking appends and waits for the queued ones to be written.</summary>
    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        if (writers is { } running)
        {
            await Task.WhenAll(running);
        }
    }

    private sealed record Pending(Member Member, TaskCompletionSource<AppendResult> Result, CancellationToken CallerToken);
}

/// <summary>One stream's append with the metadata of whoever asked for it; a new stream is one the caller just named.</summary>
internal sealed record Member(StreamAppend Append, EventMetadata Metadata, bool IsNewStream = false);
