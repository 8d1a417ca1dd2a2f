using System.Diagnostics.CodeAnalysis;
using NodaTime;

namespace Governance.Api.Core.Time;

/// <summary>
/// An instant in a query string (<c>at=</c>, <c>from=</c>, <c>since=</c>…), read by <see cref="TimeInput"/> so that every
/// endpoint accepts the same forms. A '+' that was not percent-encoded arrives as a space; before an offset it can
/// only have meant '+', so it is read as one.
/// </summary>
public readonly record struct QueryInstant(Instant Value)
{
    /// <summary>Minimal APIs bind query values through this.</summary>
    public static bool TryParse(string? text, out QueryInstant value)
    {
        var ok = TryRead(text, out var instant, out _);
        value = new QueryInstant(instant);
        return ok;
    }

    /// <summary>The instant, or why the text is not one (a predicate for the parameter's name).</summary>
    public static bool TryRead(string? text, out Instant instant, [NotNullWhen(false)] out string? error) =>
        TimeInput.TryParseInstant(text?.Replace(' ', '+'), out instant, out error);

    /// <inheritdoc />
    public override string ToString() => NodaTime.Text.InstantPattern.ExtendedIso.Format(Value);
}
