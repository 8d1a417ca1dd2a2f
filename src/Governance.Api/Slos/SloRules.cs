using FluentValidation;
using NodaTime;

namespace Governance.Api.Slos;

/// <summary>The shape of an SLO's definition, shared by defining and revising one.</summary>
public static class SloRules
{
    /// <summary>A ratio strictly between 0 and 1.</summary>
    public static IRuleBuilderOptions<T, double?> IsObjective<T>(this IRuleBuilder<T, double?> rule) =>
        rule.NotNull().GreaterThan(0).LessThan(1).WithMessage("'Objective' is a ratio strictly between 0 and 1, such as 0.95.");

    /// <summary>A rolling window from one hour to 90 days.</summary>
    public static IRuleBuilderOptions<T, string> IsSloWindow<T>(this IRuleBuilder<T, string> rule) =>
        rule.NotEmpty().Must(w => DefineSlo.ParseDuration(w) is { } d && d >= Duration.FromHours(1) && d <= Duration.FromDays(90))
            .WithMessage("'Window' is an ISO-8601 duration from PT1H to P90D, such as P28D.");

    /// <summary>How late labels arrive, up to 90 days.</summary>
    public static IRuleBuilderOptions<T, string> IsLabelDelay<T>(this IRuleBuilder<T, string> rule) =>
        rule.Must(w => DefineSlo.ParseDuration(w) is { } d && d >= Duration.Zero && d <= Duration.FromDays(90))
            .WithMessage("'Label Delay' is an ISO-8601 duration up to P90D, such as P14D.");
}
