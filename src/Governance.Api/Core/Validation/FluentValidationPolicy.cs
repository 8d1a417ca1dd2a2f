using FluentValidation;
using JasperFx;
using JasperFx.CodeGeneration;
using JasperFx.CodeGeneration.Frames;
using Wolverine.Http;
using Wolverine.Http.CodeGen;

namespace Governance.Api.Core.Validation;

/// <summary>
/// Runs the body's nested FluentValidation <c>Validator</c> first on every Wolverine endpoint whose body type has one:
/// 400 problem details with the errors per field, before anything is loaded. (Wolverine's own FluentValidation bridge
/// is not served here; this is the same idea in a few lines.)
/// </summary>
public sealed class FluentValidationPolicy : IHttpPolicy
{
    /// <inheritdoc />
    public void Apply(IReadOnlyList<HttpChain> chains, GenerationRules rules, IServiceContainer container)
    {
        ArgumentNullException.ThrowIfNull(chains);
        ArgumentNullException.ThrowIfNull(container);
        foreach (var chain in chains.Where(c => c.HasRequestType))
        {
            if (!container.RegistrationsFor(typeof(IValidator<>).MakeGenericType(chain.RequestType!)).Any())
            {
                continue;
            }

            chain.Metadata.ProducesValidationProblem();
            var validate = new MethodCall(typeof(BodyValidation), typeof(BodyValidation).GetMethod(nameof(BodyValidation.ValidateAsync))!
                .MakeGenericMethod(chain.RequestType!));
            chain.Middleware.InsertRange(0, [validate, new MaybeEndWithResultFrame(validate.ReturnVariable!)]);
        }
    }
}

/// <summary>What the validation step runs.</summary>
public static class BodyValidation
{
    /// <summary>Continue when the body is valid; otherwise the 400 to answer.</summary>
    public static async Task<IResult> ValidateAsync<T>(T body, IValidator<T> validator, HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        return await ProblemAsync(body, validator, http.RequestAborted) ?? WolverineContinue.Result();
    }

    /// <summary>The 400 for a missing or invalid body, or null when it is valid.</summary>
    private static async Task<IResult?> ProblemAsync<T>(T? body, IValidator<T> validator, CancellationToken ct)
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

        var bodyIsList = typeof(T) != typeof(string) && typeof(System.Collections.IEnumerable).IsAssignableFrom(typeof(T));
        var errors = result.Errors
            .GroupBy(e => CamelCasePath(e.PropertyName, bodyIsList))
            .ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).Distinct().ToArray());
        return Results.ValidationProblem(errors, title: "Invalid request", detail: "One or more fields are invalid.");
    }

    // A body that is a list has no name on the wire: its errors are keyed from the index, as JSON paths are ([0].to).
    private static string CamelCasePath(string path, bool bodyIsList)
    {
        var camel = string.Join('.', path.Split('.').Select(part => part.Length == 0 ? part : char.ToLowerInvariant(part[0]) + part[1..]));
        var index = camel.IndexOf('[', StringComparison.Ordinal);
        return bodyIsList && index > 0 && !camel[..index].Contains('.', StringComparison.Ordinal) ? camel[index..] : camel;
    }
}
