using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.EventLog.Streams;
using JasperFx.Events;
using Microsoft.AspNetCore.Mvc;
using NodaTime;
using Wolverine.Http;
using Wolverine.Marten;

namespace Governance.Api.Webhooks;

/// <summary>Remove a subscription (no body): nothing more is delivered to it, pending deliveries included.</summary>
public sealed record RemoveWebhook(string Id)
{
    /// <summary>Admins only; removing a removed subscription is 404, like one that never was.</summary>
    public static DomainError? Check(RemoveWebhook command, Webhook? state, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (!actor.Has(Roles.Admin))
        {
            return DomainError.Forbidden("Only admins manage webhooks.");
        }

        return state is null || state.Status == WebhookStatus.Removed ? DomainError.NotFound($"No webhook '{command.Id}'.") : null;
    }

    /// <summary>The removal, by whoever asked.</summary>
    public static IReadOnlyList<object> Decide(RemoveWebhook command, Instant now, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(command);
        return [new WebhookRemoved(command.Id, actor.Name, now)];
    }
}

/// <summary>DELETE /api/v1/webhooks/{id}.</summary>
public static class RemoveWebhookEndpoint
{
    /// <summary>The subscription's stream.</summary>
    public static string StreamOf(string id) => Webhook.StreamId(id);

    /// <summary>Refuses with problem details before anything is appended.</summary>
    public static ProblemDetails Validate(string id, IEventStream<Folded<Webhook>> webhook, HttpContext http) =>
        StreamRules.Check(http, webhook, (state, actor) => RemoveWebhook.Check(new RemoveWebhook(id), state, actor));

    /// <summary>Records the removal.</summary>
    [WolverineDelete("/api/v1/webhooks/{id}")]
    public static (IResult, Events) Delete(
        string id,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Webhook>> webhook,
        HttpContext http, IClock clock) =>
        StreamCommand.Decide(http, webhook, clock, nameof(RemoveWebhook),
            (_, now, actor) => RemoveWebhook.Decide(new RemoveWebhook(id), now, actor),
            _ => Results.NoContent());

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.Metadata
            .RequireRole(Roles.Admin)
            .WithTags("Webhooks").WithName(nameof(RemoveWebhook))
            .WithSummary("Remove a webhook subscription (admin): nothing more is delivered to it.")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
    }
}
