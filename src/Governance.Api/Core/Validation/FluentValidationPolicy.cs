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
        ArgumentNullException.ThrowIfNull(validator);
        ArgumentNullException.ThrowIfNull(http);
        return await ValidationFilter<T>.ProblemAsync(body, validator, http.RequestAborted) ?? WolverineContinue.Result();
    }
}
