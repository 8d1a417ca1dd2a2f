using System.Text.Json;
using Governance.Cli.Core;

namespace Governance.Cli.Promotions;

/// <summary>Where a promotion stands, in one line a person can read in a pipeline log, and whether waiting is over.</summary>
public sealed record PromotionStatus(string Line, int? Exit)
{
    /// <summary>Reads a promotion as GET /promotions/{id} answers it.</summary>
    public static PromotionStatus Of(JsonElement promotion)
    {
        var id = promotion.Str("id");
        var digest = promotion.Str("digest");
        var approvals = promotion.Array("approvals").Where(a => digest is null || a.Str("digest") == digest).Select(a => a.Str("by") ?? "?").ToList();
        var required = promotion.Int("requiredApprovals");
        var policy = promotion.Obj("policy");
        var failing = promotion.Array("gates").Where(g => !g.Bool("passed")).Select(g => $"{g.Str("name")}: {g.Str("detail")}").ToList();
        var by = approvals.Count == 0 ? "" : $" (approved by {Json.Names(approvals)})";
        var what = $"{promotion.Str("model")}@{promotion.Str("version")} to {promotion.Str("targetStage")}";
        return promotion.Str("status") switch
        {
            "pending" => new($"pending: approvals {approvals.Count} of {required}{by}; approvers need one of the roles {Json.Names(policy.Strings("approverRoles"), "(none)")}", null),
            "approved" when failing.Count > 0 =>
                new($"approved by {Json.Names(approvals)}; deployment blocked by a gate ({string.Join("; ", failing)}); waiting (run gov deploy {id} once it passes)", null),
            "approved" when policy.Bool("autoDeploy") => new($"approved by {Json.Names(approvals)}; deploying", null),
            "approved" => new($"approved by {Json.Names(approvals)}; waiting for deployment (run gov deploy {id})", null),
            "deployed" => new($"deployed {what}{by}; deployed by {promotion.Str("endedBy")} at {promotion.Str("endedAt")}", ExitCodes.Done),
            "rejected" => new($"rejected by {promotion.Str("endedBy")}: {promotion.Str("endReason")}", ExitCodes.Refused),
            "withdrawn" => new($"withdrawn by {promotion.Str("endedBy")}: {promotion.Str("endReason")}", ExitCodes.Refused),
            "blocked" => new($"blocked by a gate: {string.Join("; ", failing)}", ExitCodes.Refused),
            var other => new($"status {other}", null),
        };
    }
}
