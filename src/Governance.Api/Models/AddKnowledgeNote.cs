using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Validation;
using Governance.Api.Core.Requests;
using Governance.EventLog.Streams;
using JasperFx.Events;
using Microsoft.AspNetCore.Mvc;
using NodaTime;
using Wolverine.Http;
using Wolverine.Marten;

namespace Governance.Api.Models;

/// <summary>Write down what you know about a model: why a filter exists, what broke last time.</summary>
public sealed record AddKnowledgeNote(string Title, string Body, IReadOnlyList<string>? Tags)
{
    /// <summary>Shape rules.</summary>
    public sealed class Validator : AbstractValidator<AddKnowledgeNote>
    {
        public Validator()
        {
            RuleFor(c => c.Title).NotEmpty().IsText(200);
            RuleFor(c => c.Body).NotEmpty().IsText(50_000);
            RuleFor(c => c.Tags).Must(t => t is null || t.Count <= 20).WithMessage("At most 20 tags.");
            RuleForEach(c => c.Tags).IsSlug();
        }
    }

    /// <summary>The response.</summary>
    public sealed record Created(string Id, string Model);

    /// <summary>State rules: notes go on models that exist.</summary>
    public static DomainError? Check(string key, Model? state) =>
        state is null ? DomainError.NotFound($"No model '{key}'.") : null;

    /// <summary>The note, under the id the endpoint made up (<see cref="Check"/> has let it through).</summary>
    public static IReadOnlyList<object> Decide(AddKnowledgeNote command, string key, string noteId, Instant now, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(command);
        return [new KnowledgeNoteAdded(key, noteId, command.Title, command.Body, command.Tags ?? [], actor.Name, now)];
    }

    /// <summary>GET /api/v1/models/{key}/notes (adding one is <see cref="AddKnowledgeNoteEndpoint"/>).</summary>
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapGet("/models/{key}/notes", async (string key, Governance.EventLog.IEventStore store, CancellationToken ct) =>
                await store.AggregateStreamAsync<Model>(Model.StreamId(key), ct: ct) is { } model
                    ? Results.Ok(model.State.Notes.Reverse())
                    : DomainError.NotFound($"No model '{key}'.").ToResult())
            .RequireRole(Roles.Viewer)
            .WithTags("Models").WithName("ListKnowledgeNotes").WithStreamETag("key", Model.StreamId, answersNotModified: true)
            .WithSummary("A model's knowledge notes, newest first.")
            .Produces<IEnumerable<KnowledgeNote>>()
            .ProducesProblem(StatusCodes.Status404NotFound);
}

/// <summary>POST /api/v1/models/{key}/notes.</summary>
public static class AddKnowledgeNoteEndpoint
{
    /// <summary>The model's stream.</summary>
    public static string StreamOf(string key) => Model.StreamId(key);

    /// <summary>Refuses with problem details before anything is appended.</summary>
    public static ProblemDetails Validate(string key, IEventStream<Folded<Model>> model, HttpContext http) =>
        StreamRules.Check(http, model, (state, _) => AddKnowledgeNote.Check(key, state));

    /// <summary>Adds the note under an id made up here.</summary>
    [WolverinePost("/api/v1/models/{key}/notes")]
    public static (IResult, Events) Post(
        AddKnowledgeNote command, string key,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Model>> model,
        HttpContext http, IClock clock)
    {
        var noteId = Guid.CreateVersion7().ToString("N")[..16];
        return StreamCommand.Decide(http, model, clock, nameof(AddKnowledgeNote),
            (_, now, actor) => AddKnowledgeNote.Decide(command, key, noteId, now, actor),
            _ => Results.Created($"/api/v1/models/{key}/notes/{noteId}", new AddKnowledgeNote.Created(noteId, key)));
    }

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.Metadata
            .RequireRole(Roles.Contributor)
            .WithTags("Models").WithName(nameof(AddKnowledgeNote))
            .WithSummary("Add a knowledge note to a model.")
            .Produces<AddKnowledgeNote.Created>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status404NotFound);
    }
}
