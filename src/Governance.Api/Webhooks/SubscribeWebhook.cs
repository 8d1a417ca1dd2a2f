using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Idempotency;
using Governance.EventLog;
using Governance.EventLog.Streams;
using JasperFx.Events;
using Marten;
using Microsoft.AspNetCore.Mvc;
using NodaTime;
using Wolverine.Http;
using Wolverine.Marten;

namespace Governance.Api.Webhooks;

/// <summary>Subscribe a URL to events (admins only); the signing secret is answered once.</summary>
public sealed record SubscribeWebhook(string Url, IReadOnlyList<string> Events, string? Model, string? Description)
{
    /// <summary>Shape rules; whether the URL may be reached depends on a setting, checked with the state rules.</summary>
    public sealed class Validator : AbstractValidator<SubscribeWebhook>
    {
        public Validator()
        {
            RuleFor(c => c.Url).NotEmpty().WithMessage("Give the URL to deliver to.")
                .MaximumLength(WebhookUrls.MaxLength);
            RuleFor(c => c.Events).NotEmpty()
                .WithMessage("Name at least one event type (e.g. \"promotion_approved\"), or \"*\" for every event.");
            RuleForEach(c => c.Events).NotEmpty().Matches("^(\\*|[a-z][a-z0-9_]*)$")
                .WithMessage("An event type is a name like \"promotion_approved\", or \"*\" for every event.");
            RuleFor(c => c.Model).MaximumLength(200);
            RuleFor(c => c.Description).MaximumLength(1000);
        }
    }

    /// <summary>The answer, the only time the secret is shown.</summary>
    public sealed record Subscribed(string Id, string Url, IReadOnlyList<string> Events, string? Model, string Description, string Secret);

    /// <summary>Admins only; a new subscription, to a URL that may be reached, for event types the log knows.</summary>
    public static DomainError? Check(
        SubscribeWebhook command, string id, Webhook? state, IReadOnlySet<string> knownEventTypes, bool allowPrivateNetworks, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(knownEventTypes);
        if (state is not null)
        {
            return DomainError.Conflict($"A webhook '{id}' already exists.");
        }

        if (!actor.Has(Roles.Admin))
        {
            return DomainError.Forbidden("Only admins manage webhooks.");
        }

        if (WebhookUrls.Problem(command.Url, allowPrivateNetworks) is { } url)
        {
            return DomainError.Invalid("url", url);
        }

        var unknown = command.Events.Where(e => e != Webhook.AllEvents && !knownEventTypes.Contains(e)).Distinct().ToList();
        return unknown.Count > 0
            ? DomainError.Invalid("events",
                $"Unknown event type{(unknown.Count > 1 ? "s" : "")}: {string.Join(", ", unknown)}. The types are the names in GET /api/v1/audit/events (e.g. promotion_approved), or \"*\".")
            : null;
    }

    /// <summary>The subscription; "*" among the types stands for all of them.</summary>
    public static IReadOnlyList<object> Decide(SubscribeWebhook command, string id, string secretId, Instant now, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(command);
        var events = command.Events.Contains(Webhook.AllEvents) ? [Webhook.AllEvents] : command.Events.Distinct().ToList();
        return [new WebhookSubscribed(id, command.Url, events, command.Model, command.Description ?? "", secretId, actor.Name, now)];
    }
}

/// <summary>POST /api/v1/webhooks.</summary>
public static class SubscribeWebhookEndpoint
{
    /// <summary>A new subscription's stream: the server names it.</summary>
    public static string StreamOf(IClock clock) => Webhook.StreamId(Webhook.NewId(clock.GetCurrentInstant()));

    /// <summary>Refuses with problem details before anything is appended.</summary>
    public static ProblemDetails Validate(
        SubscribeWebhook command, IEventStream<Folded<Webhook>> webhook, EventLogOptions log, WebhookSettings settings, HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(settings);
        var known = log.Registry.Registrations.Select(r => r.Value).ToHashSet(StringComparer.Ordinal);
        return StreamRules.Check(http, webhook,
            (state, actor) => SubscribeWebhook.Check(command, IdOf(webhook), state, known, settings.AllowPrivateNetworks, actor));
    }

    /// <summary>Records the subscription and stores its first secret in the same transaction.</summary>
    [WolverinePost("/api/v1/webhooks")]
    public static (IResult, Events) Post(
        SubscribeWebhook command,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Webhook>> webhook,
        IDocumentSession session, HttpContext http, IClock clock)
    {
        var id = IdOf(webhook);
        var secretId = WebhookSecrets.NewId();
        var secret = WebhookSecrets.Generate();
        var (answer, events) = StreamCommand.Decide(http, webhook, clock, nameof(SubscribeWebhook),
            (_, now, actor) => SubscribeWebhook.Decide(command, id, secretId, now, actor),
            after => Results.Created($"/api/v1/webhooks/{id}",
                new SubscribeWebhook.Subscribed(id, after!.Url, after.Events, after.Model, after.Description, secret)));
        WebhookSecrets.Remember(session, id, secretId, secret, ((WebhookSubscribed)events[0]).SubscribedAt);
        return (answer, events);
    }

    private static string IdOf(IEventStream<Folded<Webhook>> webhook)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        return webhook.Key![Webhook.StreamId("").Length..];
    }

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.Metadata
            .RequireRole(Roles.Admin)
            .ShowsSecretOnce()
            .WithTags("Webhooks").WithName(nameof(SubscribeWebhook))
            .WithSummary("Subscribe a URL to events (admin): returns the signing secret once.")
            .Produces<SubscribeWebhook.Subscribed>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict);
    }
}
