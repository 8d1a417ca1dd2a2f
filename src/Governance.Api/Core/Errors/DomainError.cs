using Microsoft.AspNetCore.Mvc;

namespace Governance.Api.Core.Errors;

/// <summary>Why a command was refused, with the HTTP status it maps to.</summary>
public sealed record DomainError(int Status, string Title, string Detail, IReadOnlyDictionary<string, string[]>? Errors = null)
{
    /// <summary>400 for one field.</summary>
    public static DomainError Invalid(string field, string message) =>
        new(StatusCodes.Status400BadRequest, "Invalid request", message, new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>403: the caller may not do this.</summary>
    public static DomainError Forbidden(string detail) => new(StatusCodes.Status403Forbidden, "Forbidden", detail);

    /// <summary>404: the thing does not exist.</summary>
    public static DomainError NotFound(string detail) => new(StatusCodes.Status404NotFound, "Not found", detail);

    /// <summary>409: the thing's state does not allow it.</summary>
    public static DomainError Conflict(string detail) => new(StatusCodes.Status409Conflict, "Conflict", detail);

    /// <summary>412: the caller's If-Match does not match.</summary>
    public static DomainError PreconditionFailed(string detail) => new(StatusCodes.Status412PreconditionFailed, "Precondition failed", detail);

    /// <summary>422: a rule blocks it (a gate, an unknown reference).</summary>
    public static DomainError Unprocessable(string detail, string? field = null) =>
        new(StatusCodes.Status422UnprocessableEntity, "Unprocessable", detail,
            field is null ? null : new Dictionary<string, string[]> { [field] = [detail] });

    /// <summary>The problem details response.</summary>
    public IResult ToResult() => Results.Problem(ToProblemDetails());

    /// <summary>The problem details a Wolverine <c>Validate</c> step answers with (written as problem+json, like <see cref="ToResult"/>).</summary>
    public ProblemDetails ToProblemDetails()
    {
        var problem = new ProblemDetails { Status = Status, Title = Title, Detail = Detail };
        if (Errors is not null)
        {
            problem.Extensions["errors"] = Errors;
        }

        return problem;
    }
}
