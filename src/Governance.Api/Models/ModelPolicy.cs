using NodaTime;

namespace Governance.Api.Models;

/// <summary>Incident severities, most severe first: SEV1 blocks more than SEV4.</summary>
public static class Severity
{
    /// <summary>Every severity, most severe first.</summary>
    public static IReadOnlyList<string> All { get; } = ["SEV1", "SEV2", "SEV3", "SEV4"];

    /// <summary>Whether <paramref name="severity"/> is one of SEV1–SEV4.</summary>
    public static bool IsKnown(string? severity) => severity is not null && All.Contains(severity);

    /// <summary>Whether <paramref name="severity"/> is at or above (as severe as or more than) <paramref name="threshold"/>.</summary>
    public static bool AtOrAbove(string severity, string threshold)
    {
        var rank = IndexOf(severity);
        return rank >= 0 && rank <= IndexOf(threshold);
    }

    private static int IndexOf(string severity)
    {
        for (var i = 0; i < All.Count; i++)
        {
            if (string.Equals(All[i], severity, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }
}

/// <summary>How promotions into one stage are judged: approvals, who may give them, gates and whether to deploy at once.</summary>
public sealed record StagePolicy(
    int RequiredApprovals, IReadOnlyList<string> ApproverRoles, IReadOnlyList<string> RequiredSuites, string BlockOnIncidentSeverity,
    Duration MinSoak, bool AllowSelfApproval, bool AutoDeploy)
{
    /// <summary>The default for a stage: one approval from an approver (two for the model's last stage).</summary>
    public static StagePolicy Default(bool lastStage) =>
        new(lastStage ? 2 : 1, [Core.Auth.Roles.Approver], [], "SEV2", Duration.Zero, false, false);
}

/// <summary>One revision of a model's policy, with every stage spelt out. Revision 0 is the defaults, never published.</summary>
public sealed record ModelPolicy(int Revision, IReadOnlyDictionary<string, StagePolicy> Stages, string? PublishedBy, Instant? PublishedAt)
{
    /// <summary>The defaults for a model with these stages.</summary>
    public static ModelPolicy Defaults(IReadOnlyList<string> stages) =>
        new(0, stages.Select((s, i) => (s, i)).ToDictionary(x => x.s, x => StagePolicy.Default(x.i == stages.Count - 1), StringComparer.Ordinal), null, null);

    /// <summary>The policy for promotions into <paramref name="stage"/> (the default when the stage is not named).</summary>
    public StagePolicy For(string stage, IReadOnlyList<string> stages) =>
        Stages.TryGetValue(stage, out var policy) ? policy : StagePolicy.Default(stages.Count > 0 && stages[^1] == stage);
}
