using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Validation;
using Governance.EventLog;
using NodaTime;
using Governance.Api.Core.Requests;

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

    /// <summary>Pure decision: notes go on models that exist.</summary>
    public static Decision Decide(AddKnowledgeNote command, string key, string noteId, Model? state, Instant now, Actor actor) =>
        state is null
            ? DomainError.NotFound($"No model '{key}'.")
            : Decision.Accept(new KnowledgeNoteAdded(key, noteId, command.Title, command.Body, command.Tags ?? [], actor.Name, now));

    /// <summary>POST /api/v1/models/{key}/notes and GET /api/v1/models/{key}/notes.</summary>
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapPost("/models/{key}/notes", async (string key, AddKnowledgeNote command, HttpContext http, CommandExecutor executor, CancellationToken ct) =>
            {
                var noteId = Guid.CreateVersion7().ToString("N")[..16];
                var outcome = await executor.ExecuteAsync<Model>(http, nameof(AddKnowledgeNote), Model.StreamId(key), Model.StreamType,
                    (state, now, actor) => Decide(command, key, noteId, state, now, actor), ct);
                return outcome.Succeeded
                    ? Results.Created($"/api/v1/models/{key}/notes/{noteId}", new Created(noteId, key))
                    : outcome.Error!.ToResult();
            })
            .Validate<AddKnowledgeNote>()
            .RequireRole(Roles.Contributor)
            .WithTags("Models").WithName(nameof(AddKnowledgeNote))
            .WithSummary("Add a knowledge note to a model.")
            .Produces<Created>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/models/{key}/notes", async (string key, IEventStore store, CancellationToken ct) =>
                await store.AggregateStreamAsync<Model>(Model.StreamId(key), ct: ct) is { } model
                    ? Results.Ok(model.State.Notes.Reverse())
                    : DomainError.NotFound($"No model '{key}'.").ToResult())
            .RequireRole(Roles.Viewer)
            .WithTags("Models").WithName("ListKnowledgeNotes").WithStreamETag("key", Model.StreamId, answersNotModified: true)
            .WithSummary("A model's knowledge notes, newest first.")
            .Produces<IEnumerable<KnowledgeNote>>()
            .ProducesProblem(StatusCodes.Status404NotFound);
    }
}
