using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Idempotency;
using Governance.Api.Core.Validation;
using NodaTime;

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

    /// <summary>Pure decision: a name is taken once.</summary>
    public static Decision Decide(CreatePrincipal command, Principal? state, string keyId, Instant now, Actor actor)
    {
        if (state is not null)
        {
            return DomainError.Conflict($"A principal named '{command.Name}' already exists.");
        }

        return Decision.Accept(new PrincipalCreated(command.Name, [.. command.Roles.Distinct()], keyId, actor.Name, now));
    }

    /// <summary>POST /api/v1/principals.</summary>
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapPost("/principals", async (CreatePrincipal command, HttpContext http, CommandExecutor executor, ApiKeyStore keys, CancellationToken ct) =>
            {
                // The hash is stored before the event that makes the key live; if the command is refused it opens nothing.
                var key = ApiKeys.Generate();
                var keyId = ApiKeys.NewKeyId();
                await keys.RememberAsync(keyId, key, ct);
                var outcome = await executor.ExecuteAsync<Principal>(http, nameof(CreatePrincipal),
                    Principal.StreamId(command.Name), Principal.StreamType,
                    (state, now, actor) => Decide(command, state, keyId, now, actor), ct);
                if (!outcome.Succeeded)
                {
                    await keys.ForgetUnissuedAsync(keyId, CancellationToken.None);
                    return outcome.Error!.ToResult();
                }

                return Results.Created($"/api/v1/principals/{Uri.EscapeDataString(command.Name)}", new Created(command.Name, [.. command.Roles.Distinct()], keyId, key));
            })
            .Validate<CreatePrincipal>()
            .RequireRole(Core.Auth.Roles.Admin)
            .ShowsSecretOnce()
            .WithName(nameof(CreatePrincipal))
            .WithSummary("Create a principal (admin): returns its API key once.")
            .Produces<Created>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status409Conflict);
}
