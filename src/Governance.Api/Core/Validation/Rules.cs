using System.Text.RegularExpressions;
using FluentValidation;

namespace Governance.Api.Core.Validation;

/// <summary>Shape rules shared by every slice, so a key means the same thing everywhere.</summary>
public static partial class Rules
{
    /// <summary>Model keys, team names, suite names, stage names: lowercase slugs.</summary>
    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,62}$")]
    public static partial Regex Slug();

    /// <summary>Version labels and dataset names: letters, digits, '.', '_', '-'.</summary>
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    public static partial Regex Label();

    /// <summary>A content digest: sha256 and 64 hex digits.</summary>
    [GeneratedRegex("^sha256:[0-9a-f]{64}$")]
    public static partial Regex Digest();

    /// <summary>A reference to a version: name@version.</summary>
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}@[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    public static partial Regex VersionRef();

    /// <summary>Must be a slug.</summary>
    public static IRuleBuilderOptions<T, string> IsSlug<T>(this IRuleBuilder<T, string> rule) =>
        rule.NotEmpty().Matches(Slug()).WithMessage("'{PropertyName}' must be 2–63 characters: lowercase letters, digits and '-', starting with a letter or digit.");

    /// <summary>Must be a version label.</summary>
    public static IRuleBuilderOptions<T, string> IsLabel<T>(this IRuleBuilder<T, string> rule) =>
        rule.NotEmpty().Matches(Label()).WithMessage("'{PropertyName}' must be 1–64 characters: letters, digits, '.', '_' and '-', starting with a letter or digit.");

    /// <summary>Must be name@version.</summary>
    public static IRuleBuilderOptions<T, string> IsVersionRef<T>(this IRuleBuilder<T, string> rule) =>
        rule.NotEmpty().Matches(VersionRef()).WithMessage("'{PropertyName}' must be written as name@version.");

    /// <summary>A principal's name (as POST /principals accepts it), for fields that name a person.</summary>
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")]
    public static partial Regex PrincipalName();

    /// <summary>Must be a principal's name.</summary>
    public static IRuleBuilderOptions<T, string> IsPrincipalName<T>(this IRuleBuilder<T, string> rule) =>
        rule.NotEmpty().Matches(PrincipalName())
            .WithMessage("'{PropertyName}' must be a principal's name: up to 100 letters, digits, '.', '_', '@' and '-', starting with a letter or digit.");

    /// <summary>Free text with a length cap.</summary>
    public static IRuleBuilderOptions<T, string?> IsText<T>(this IRuleBuilder<T, string?> rule, int max) =>
        rule.MaximumLength(max).Must(s => s is null || !s.Contains('\0', StringComparison.Ordinal)).WithMessage("'{PropertyName}' must not contain NUL characters.");

    /// <summary>
    /// Required whenever <paramref name="other"/> is given (<paramref name="otherName"/> on the wire). The OpenAPI document
    /// reads the rule and says so with <c>dependentRequired</c>.
    /// </summary>
    public static IRuleBuilderOptions<T, TProperty> RequiredWith<T, TProperty>(this IRuleBuilder<T, TProperty> rule, Func<T, object?> other, string otherName) =>
        rule.SetValidator(new RequiredWithValidator<T, TProperty>(other, otherName));

    /// <summary>Splits name@version.</summary>
    public static (string Name, string Version) SplitRef(string reference)
    {
        var at = reference.IndexOf('@', StringComparison.Ordinal);
        return (reference[..at], reference[(at + 1)..]);
    }
}

/// <summary>A rule that makes a field required when another one is given.</summary>
public interface IRequiredWith
{
    /// <summary>The other field's name on the wire.</summary>
    string Other { get; }
}

/// <summary>Empty (null, blank text, an empty list) is refused when the other field is given.</summary>
public sealed class RequiredWithValidator<T, TProperty>(Func<T, object?> other, string otherName) : FluentValidation.Validators.PropertyValidator<T, TProperty>, IRequiredWith
{
    /// <inheritdoc />
    public string Other => otherName;

    /// <inheritdoc />
    public override string Name => "RequiredWithValidator";

    /// <inheritdoc />
    public override bool IsValid(ValidationContext<T> context, TProperty value) =>
        other(context.InstanceToValidate) is null || value switch
        {
            null => false,
            string text => !string.IsNullOrWhiteSpace(text),
            System.Collections.IEnumerable list => list.GetEnumerator().MoveNext(),
            _ => true,
        };

    /// <inheritdoc />
    protected override string GetDefaultMessageTemplate(string errorCode) => $"'{{PropertyName}}' is required together with '{otherName}'.";
}
