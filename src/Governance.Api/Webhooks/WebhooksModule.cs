using Governance.Api.Core.Outbox;
using Governance.EventLog;
using Governance.EventLog.Projections;
using Wolverine;

namespace Governance.Api.Webhooks;

/// <summary>Outgoing webhooks (DESIGN §13, docs/webhooks.md): subscriptions, the dispatcher's outbox and the senders.</summary>
public static class WebhooksModule
{
    /// <summary>The local queue the senders run on: durable (Wolverine's inbox in PostgreSQL).</summary>
    public const string Queue = "webhooks";

    /// <summary>Registers the feature's services, its queue and its outbox.</summary>
    public static void AddWebhooks(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var settings = WebhookSettings.From(builder.Configuration);
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton<IInlineProjection, WebhooksProjection>();
        builder.Services.AddSingleton<WebhookSender>();
        builder.Services.ConfigureWolverine(opts =>
        {
            opts.PublishMessage<DeliverWebhook>().ToLocalQueue(Queue).UseDurableInbox().MaximumParallelMessages(settings.Parallelism);
            opts.PublishMessage<DeliverWebhooks>().ToLocalQueue(Queue);
        });
        builder.Services.AddCommittedEventOutbox<WebhookDispatcher>();
    }

    /// <summary>The webhook stream's events, and its state for commands.</summary>
    public static void RegisterEvents(EventLogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Webhook.RegisterEvents(options.Registry);
        options.Fold<Webhook>();
    }

    /// <summary>The queries (the commands are Wolverine endpoints).</summary>
    public static void MapWebhooks(this WebApplication app) => GetWebhooks.Map(app.MapApi());
}
