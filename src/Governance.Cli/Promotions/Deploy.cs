using System.CommandLine;
using Governance.Cli.Core;

namespace Governance.Cli.Promotions;

/// <summary><c>gov deploy</c>: POST /promotions/{id}/deployment (gates checked again: a failing one exits 3).</summary>
public static class Deploy
{
    public static Command Create(Runner run)
    {
        var promotion = new Argument<string>("promotion") { Description = "The promotion's id" };
        var command = new Command("deploy", """
            Deploy an approved promotion into its stage. The gates are checked again; one that fails now exits 3 and names it.
            The version that ran in the stage becomes its fallback.

            Example: gov deploy 0193f0c2a7e47c1b9d5e0f3a2b1c4d5e
            """)
        {
            promotion,
        };
        command.SetAction(run.Action(async (session, parse, ct) =>
        {
            var id = parse.GetValue(promotion)!;
            var response = await session.Api.PostAsync($"promotions/{Uri.EscapeDataString(id)}/deployment", new { }, ct);
            return await session.DoneAsync(response, async () =>
            {
                var view = (await session.Api.GetAsync($"promotions/{Uri.EscapeDataString(id)}", ct)).Json();
                await session.Out.WriteLineAsync($"Deployed {view.Str("model")}@{view.Str("version")} to {view.Str("targetStage")} (promotion {id}, approved by {Json.Names(response.Json().Strings("approvedBy"))}).");
            });
        }));
        return command;
    }
}
