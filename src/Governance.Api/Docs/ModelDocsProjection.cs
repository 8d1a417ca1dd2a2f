using System.Text.Json;
using Governance.EventStore;
using Governance.EventStore.Projections;
using Governance.EventStore.Serialization;

namespace Governance.Api.Docs;

/// <summary>Regenerates the document of every model a batch of events touches, after commit, off the request path.</summary>
public sealed class ModelDocsProjection(EventSerializer serializer, NodaTime.IClock clock) : IAsyncProjection
{
    /// <inheritdoc />
    public string Name => "model_docs";

    /// <inheritdoc />
    public async Task ApplyAsync(ProjectionContext context, IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        var models = new HashSet<string>(StringComparer.Ordinal);
        foreach (var @event in events)
        {
            var data = JsonSerializer.SerializeToElement(@event.Data, @event.Data.GetType(), serializer.Options);
            if (ModelHistory.ModelOf(@event.StreamId, data) is { } key)
            {
                models.Add(key);
            }
        }

        foreach (var key in models)
        {
            var history = await ModelHistory.LoadAsync(context.Connection, context.Transaction, key, null, ct);
            var document = ModelDocument.From(history);
            document = ModelDocument.From(history, await ModelHistory.LoadDatasetsAsync(context.Connection, context.Transaction, document.TrainingData, null, ct));
            if (!document.Exists)
            {
                continue;
            }

            await ModelHistory.FillAttainmentAsync(context.Connection, context.Transaction, document, clock.GetCurrentInstant(), ct);

            await context.ExecuteAsync(
                "INSERT INTO governance.model_docs (key, markdown, events) VALUES ($1, $2, $3) " +
                "ON CONFLICT (key) DO UPDATE SET markdown = excluded.markdown, events = excluded.events, generated_at = clock_timestamp()",
                ct, key, MarkdownRenderer.Render(document), history.Count);
        }
    }

    /// <inheritdoc />
    public Task ResetAsync(ProjectionContext context, CancellationToken ct) =>
        context.ExecuteAsync("DELETE FROM governance.model_docs", ct);
}
