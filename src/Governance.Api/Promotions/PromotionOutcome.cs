namespace Governance.Api.Promotions;

/// <summary>What a promotion command answers: where the promotion stands now.</summary>
public sealed record PromotionOutcome(
    string Id, string Status, IReadOnlyList<string> ApprovedBy, int RequiredApprovals, IReadOnlyList<Gate> Gates, IReadOnlyList<Gate>? FailedGates = null)
{
    /// <summary>The outcome of a folded promotion.</summary>
    public static PromotionOutcome Of(Promotion state, IReadOnlyList<Gate>? failedGates = null) =>
        new(state.Request.Id, state.Status, [.. state.ValidApprovals.Select(a => a.By)], state.Request.Policy.RequiredApprovals, state.Gates, failedGates);
}
