using System.Runtime.CompilerServices;
using JasperFx.Events;
using Marten;
using Governance.EventLog.Streams;
using Marten.Events;
using Marten.Services;
using NodaTime;
using Npgsql;
using NpgsqlTypes;

namespace Governance.EventLog.Projections;

/// <summary>
/// Gives every Marten session that appends events — a Wolverine handler's, a test's, anyone's — what
/// <see cref="MartenEventStore"/> gives its own appends: the caller's metadata on each event, and the inline
/// projections run in the appending transaction after Marten has written the events, so they see them as stored
/// (sequence number, version, time, hash). Marten's own inline projections run before the insert and, in Quick
/// append mode, without sequence numbers; the read models order by sequence.
/// </summary>
internal sealed class InlineProjectionsListener(
    EventTypeRegistry registry, FoldedStreams folded, Func<IReadOnlyList<IInlineProjection>> projections, Func<EventMetadata?> currentMetadata)
    : DocumentSessionListenerBase
{
    private static readonly System.Reflection.PropertyInfo AggregateTypeName =
        typeof(StreamAction).GetProperty(nameof(StreamAction.AggregateTypeName))
        ?? throw new InvalidOperationException("Marten's StreamAction has no AggregateTypeName any more; stream types cannot be kept.");

    // Sessions that run the projections themselves (MartenEventStore, which returns the stored events to its caller).
    private static readonly ConditionalWeakTable<IDocumentSession, object> SelfProjected = [];

    /// <summary>Marks a session whose owner runs the inline projections itself.</summary>
    public static void ProjectsItself(IDocumentSession session) => SelfProjected.AddOrUpdate(session, SelfProjected);

    public override Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken token)
    {
        // A stream a command starts through FetchForWriting is declared with the folded document's type; it is stored
        // under the stream type its kind has always had. Marten has already turned the type into the name it writes
        // (its setter is not public), so the name is set too; the append reads it when the batch is written.
        foreach (var stream in session.PendingChanges.Streams())
        {
            if (stream.AggregateType is { } type && folded.StreamTypeOf(type) is { } streamType)
            {
                stream.AggregateType = StreamTypes.For(session.DocumentStore, streamType);
                AggregateTypeName.SetValue(stream, streamType);
            }
        }

        if (SelfProjected.TryGetValue(session, out _))
        {
            return Task.CompletedTask;
        }

        var appended = session.PendingChanges.Streams().SelectMany(s => s.Events).ToList();
        if (appended.Count == 0)
        {
            return Task.CompletedTask;
        }

        if (currentMetadata() is { } metadata)
        {
            // The actor is always the authenticated principal of the request, whatever the session was told.
            foreach (var @event in appended)
            {
                Stamp(@event, metadata);
            }
        }

        if (session is not ITransactionParticipantRegistrar registrar)
        {
            throw new InvalidOperationException("This Marten session cannot run the inline projections in its transaction.");
        }

        registrar.AddTransactionParticipant(new Participant(registry, projections(), appended));
        return Task.CompletedTask;
    }

    internal static void Stamp(IEvent @event, EventMetadata metadata)
    {
        // The request's correlation and causation win over the ones Wolverine gives its sessions (its own trace ids).
        @event.UserName = metadata.Actor;
        @event.CorrelationId = metadata.CorrelationId ?? @event.CorrelationId;
        @event.CausationId = metadata.CausationId ?? @event.CausationId;
        if (metadata.TraceId is not null)
        {
            @event.SetHeader(EventMetadata.TraceIdHeader, metadata.TraceId);
        }

        foreach (var (key, value) in metadata.Headers ?? new Dictionary<string, string>())
        {
            @event.SetHeader(key, value);
        }
    }

    private sealed class Participant(EventTypeRegistry registry, IReadOnlyList<IInlineProjection> projections, List<IEvent> appended)
        : ITransactionParticipant
    {
        public async Task BeforeCommitAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken token)
        {
            if (projections.Count == 0)
            {
                return;
            }

            var stored = await StoredEvents.ReadBackAsync(connection, transaction, registry, appended, token);
            await using var context = new ProjectionContext(connection, transaction);
            foreach (var projection in projections)
            {
                await projection.ApplyAsync(context, stored, token);
            }

            await context.FlushAsync(token);
        }

        public Task AfterCommitAsync(CancellationToken token) => Task.CompletedTask;
    }
}
