using System.CommandLine;
using Governance.Cli.Core;

namespace Governance.Cli.Promotions;

/// <summary><c>gov approve</c>: POST /promotions/{id}/approvals.</summary>
public static class Approve
{
    public static Command Create(Runner run)
    {
        var promotion = new Argument<string>("promotion") { Description = "The promotion's id" };
        var comment = new Option<string?>("--comment") { Description = "What you checked, for the record" };
        var command = new Command("approve", """
            Approve a pending promotion (not your own, with one of the policy's approver roles). On a stage whose policy
            deploys on the final approval, this approval may deploy it.

            Example: gov approve 0193f0c2a7e47c1b9d5e0f3a2b1c4d5e --comment "Slices look fine"
            """)
        {
            promotion, comment,
        };
        command.SetAction(run.Action(async (session, parse, ct) =>
        {
            var id = parse.GetValue(promotion)!;
            var response = await session.Api.PostAsync($"promotions/{Uri.EscapeDataString(id)}/approvals", new { comment = parse.GetValue(comment) }, ct);
            return await session.DoneAsync(response, async () =>
            {
                var outcome = response.Json();
                var approvals = outcome.Strings("approvedBy");
                var summary = $"Approved promotion {id}: {approvals.Count} of {outcome.Int("requiredApprovals")} approvals ({Json.Names(approvals)})";
                var next = outcome.Str("status") switch
                {
                    "deployed" => "deployed (the policy deploys on the final approval).",
                    "approved" when outcome.Array("failedGates").Count > 0 =>
                        $"approved, but a gate blocks the deployment now ({Promote.FailingGates(outcome, "failedGates")}); run 'gov deploy {id}' once it passes.",
                    "approved" => $"approved; deploy it with 'gov deploy {id}'.",
                    var status => $"{status}.",
                };
                await session.Out.WriteLineAsync($"{summary}; {next}");
            });
        }));
        return command;
    }
}
