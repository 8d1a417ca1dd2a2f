using System.CommandLine;
using Governance.Cli.Core;

namespace Governance.Cli.Promotions;

/// <summary><c>gov reject</c>: POST /promotions/{id}/rejections.</summary>
public static class Reject
{
    public static Command Create(Runner run)
    {
        var promotion = new Argument<string>("promotion") { Description = "The promotion's id" };
        var reason = new Option<string>("--reason") { Description = "Why, for the requester and the record", Required = true };
        var command = new Command("reject", """
            Reject a promotion; it is over (a pipeline waiting on it exits 3).

            Example: gov reject 0193f0c2a7e47c1b9d5e0f3a2b1c4d5e --reason "Recall on new customers dropped"
            """)
        {
            promotion, reason,
        };
        command.SetAction(run.Action(async (session, parse, ct) =>
        {
            var id = parse.GetValue(promotion)!;
            var response = await session.Api.PostAsync($"promotions/{Uri.EscapeDataString(id)}/rejections", new { reason = parse.GetValue(reason) }, ct);
            return await session.DoneAsync(response, async () =>
            {
                await session.Out.WriteLineAsync($"Rejected promotion {id}: {parse.GetValue(reason)}");
            });
        }));
        return command;
    }
}
