using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Idempotency;
using Governance.Api.Core.Validation;
using Governance.EventLog.Streams;
using JasperFx.Events;
using Marten;
using Microsoft.AspNetCore.Mvc;
using NodaTime;
using Wolverine.Http;
using Wolverine.Marten;

namespace Governance.Api.Principals;

/// <summary>Give a person or a pipeline an API key with roles. Admins only; the key is shown once.</summary>
public sealed record CreatePrincipal(string Name, IReadOnlyList<string> Roles)
{
    /// <summary>Shape rules.</summary>
    public sealed class Validator : AbstractValidator<CreatePrincipal>
    {
        public Validator()
        {
            RuleFor(c => c.Name).NotEmpty().MaximumLength(100)
                .Matches("^[A-Za-z0-9][A-Za-z0-9._@-]*$")
                .WithMessage("A name starts with a letter or digit and holds only letters, digits, '.', '_', '@' and '-'.");
            RuleFor(c => c.Roles).NotEmpty().WithMessage("Give at least one role.");
            RuleForEach(c => c.Roles).Must(r => Core.Auth.Roles.All.Contains(r))
                .WithMessage($"A role is one of: {string.Join(", ", Core.Auth.Roles.All)}.");
        }
    }

    /// <summary>The response, the only time the key is shown.</summary>
    public sealed record Created(string Name, IReadOnlyList<string> Roles, string KeyId, string ApiKey);

    /// <summary>A name is taken once.</summary>
    public static DomainError? Check(CreatePrincipal command, Principal? state) =>
        state is null ? null : DomainError.Conflict($"A principal named '{command.Name}' already exists.");

    /// <summary>The principal with its roles, each once, and its first key.</summary>
    public static IReadOnlyList<object> Decide(CreatePrincipal command, string keyId, Instant now, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(command);
        return [new PrincipalCreated(command.Name, [.. command.Roles.Distinct()], keyId, actor.Name, now)];
    }
}

/// <summary>POST /api/v1/principals.</summary>
public static class CreatePrincipalEndpoint
{
    /// <summary>The principal's stream.</summary>
    public static string StreamOf(CreatePrincipal command) => Principal.StreamId(command.Name);

    /// <summary>Refuses with problem details before anything is appended.</summary>
    public static ProblemDetails Validate(CreatePrincipal command, IEventStream<Folded<Principal>> principal, HttpContext http) =>
        StreamRules.Check(http, principal, (state, _) => CreatePrincipal.Check(command, state));

    /// <summary>Creates the principal with its first key; the key's hash is stored in the transaction that appends the event.</summary>
    [WolverinePost("/api/v1/principals")]
    public static (IResult, Events) Post(
        CreatePrincipal command,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Principal>> principal,
        IDocumentSession session, HttpContext http, IClock clock)
    {
        var key = ApiKeys.Generate();
        var keyId = ApiKeys.NewKeyId();
        var roles = command.Roles.Distinct().ToList();
        var (answer, events) = StreamCommand.Decide(http, principal, clock, nameof(CreatePrincipal),
            (_, now, actor) => CreatePrincipal.Decide(command, keyId, now, actor),
            _ => Results.Created($"/api/v1/principals/{Uri.EscapeDataString(command.Name)}", new CreatePrincipal.Created(command.Name, roles, keyId, key)));
        ApiKeyStore.Remember(session, keyId, key);
        return (answer, events);
    }

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.Metadata
            .RequireRole(Roles.Admin)
            .ShowsSecretOnce()
            .WithName(nameof(CreatePrincipal))
            .WithSummary("Create a principal (admin): returns its API key once.")
            .Produces<CreatePrincipal.Created>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status409Conflict);
    }
}
