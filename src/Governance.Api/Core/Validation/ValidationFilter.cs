using FluentValidation;

namespace Governance.Api.Core.Validation;

/// <summary>Runs the body's FluentValidation validator before the handler: 400 with errors per field.</summary>
public sealed class ValidationFilter<T>(IValidator<T> validator) : IEndpointFilter
{
    /// <inheritdoc />
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        return await ProblemAsync(context.Arguments.OfType<T>().FirstOrDefault(), validator, context.HttpContext.RequestAborted)
               ?? await next(context);
    }

    /// <summary>The 400 for a missing or invalid body, or null when it is valid.</summary>
    public static async Task<IResult?> ProblemAsync(T? body, IValidator<T> validator, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(validator);
        if (body is null)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["This request needs a JSON body."] },
                title: "Missing body", detail: "This request needs a JSON body.");
        }

        if (NullElements.In(body) is { Count: > 0 } nulls)
        {
            return Results.ValidationProblem(nulls.ToDictionary(path => path, path => new[] { $"'{path}' must not be null." }),
                title: "Invalid request", detail: $"'{nulls[0]}' must not be null.");
        }

        var result = await validator.ValidateAsync(body, ct);
        if (result.IsValid)
        {
            return null;
        }

        var errors = result.Errors
            .GroupBy(e => CamelCasePath(e.PropertyName))
            .ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).Distinct().ToArray());
        return Results.ValidationProblem(errors, title: "Invalid request", detail: "One or more fields are invalid.");
    }

    // A body that is a list has no name on the wire: its errors are keyed from the index, as JSON paths are ([0].to).
    private static readonly bool BodyIsList = typeof(T) != typeof(string) && typeof(System.Collections.IEnumerable).IsAssignableFrom(typeof(T));

    private static string CamelCasePath(string path)
    {
        var camel = string.Join('.', path.Split('.').Select(part => part.Length == 0 ? part : char.ToLowerInvariant(part[0]) + part[1..]));
        var index = camel.IndexOf('[', StringComparison.Ordinal);
        return BodyIsList && index > 0 && !camel[..index].Contains('.', StringComparison.Ordinal) ? camel[index..] : camel;
    }
}

/// <summary>Adds validation to an endpoint.</summary>
public static class ValidationExtensions
{
    /// <summary>Validates the <typeparamref name="T"/> body with its registered validator.</summary>
    public static RouteHandlerBuilder Validate<T>(this RouteHandlerBuilder builder) =>
        builder.AddEndpointFilter<ValidationFilter<T>>().ProducesValidationProblem();
}
