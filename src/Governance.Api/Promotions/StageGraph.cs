using Governance.Api.Core.Errors;

namespace Governance.Api.Promotions;

/// <summary>Where a promotion goes from and which stages it skips.</summary>
public sealed record StageMove(string From, string Target, IReadOnlyList<string> Skipped);

/// <summary>
/// The stage graph: stages are ordered, a version moves to the stage after the furthest one it runs in now. The first
/// stage is the entry stage: every registered version is there from registration, nothing is ever deployed to it, and
/// it is never a promotion target. Skipping stages needs the admin role and a reason.
/// </summary>
public static class StageGraph
{
    /// <summary>Index of the furthest stage among <paramref name="deployedIn"/> (0, the first stage, when none).</summary>
    public static int FurthestIndex(IReadOnlyList<string> stages, IEnumerable<string> deployedIn) =>
        deployedIn.Select(s => IndexOf(stages, s)).DefaultIfEmpty(0).Max() is var i && i < 0 ? 0 : i;

    /// <summary>Checks a move to <paramref name="target"/> for a version whose furthest stage is at <paramref name="furthest"/>.</summary>
    public static (StageMove? Move, DomainError? Error) Resolve(
        string model, IReadOnlyList<string> stages, int furthest, string target, bool isAdmin, string? skipReason)
    {
        var index = IndexOf(stages, target);
        if (index < 0)
        {
            return (null, DomainError.Unprocessable($"The model has no stage '{target}'; its stages are {string.Join(", ", stages)}.", "targetStage"));
        }

        // Like an unknown stage, and unlike "already there", no state of the version makes this target valid: 422, not 409.
        if (index == 0)
        {
            var instead = furthest >= stages.Count - 1
                ? $"this version already runs in the last stage, '{stages[^1]}'"
                : $"promote to '{stages[furthest + 1]}'";
            return (null, DomainError.Unprocessable(
                $"'{target}' is the entry stage of {model}: every registered version starts there, so it is never a promotion target; {instead}.",
                "targetStage"));
        }

        if (furthest >= stages.Count - 1)
        {
            return (null, DomainError.Conflict($"The version already runs in the last stage, '{stages[^1]}'."));
        }

        if (index <= furthest)
        {
            return (null, DomainError.Conflict(
                $"The version already runs in '{stages[furthest]}'; it can only move on to '{stages[furthest + 1]}'."));
        }

        var skipped = stages.Skip(furthest + 1).Take(index - furthest - 1).ToList();
        if (skipped.Count > 0)
        {
            if (!isAdmin)
            {
                return (null, DomainError.Forbidden(
                    $"'{target}' skips {string.Join(", ", skipped)}: only an admin may skip stages (the next stage is '{stages[furthest + 1]}')."));
            }

            if (string.IsNullOrWhiteSpace(skipReason))
            {
                return (null, DomainError.Unprocessable($"Skipping {string.Join(", ", skipped)} needs a reason.", "skipReason"));
            }
        }

        return (new StageMove(stages[furthest], target, skipped), null);
    }

    private static int IndexOf(IReadOnlyList<string> stages, string stage)
    {
        for (var i = 0; i < stages.Count; i++)
        {
            if (stages[i] == stage)
            {
                return i;
            }
        }

        return -1;
    }
}
