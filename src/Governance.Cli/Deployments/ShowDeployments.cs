using System.CommandLine;
using Governance.Cli.Core;

namespace Governance.Cli.Deployments;

/// <summary><c>gov deployments</c>: GET /models/{key}/deployments.</summary>
public static class ShowDeployments
{
    public static Command Create(Runner run)
    {
        var model = new Argument<string>("model") { Description = "The model's key" };
        var at = new Option<string?>("--at") { Description = "An instant in the past (ISO-8601 UTC, e.g. 2026-11-22T10:00:00Z) [default: now]", HelpName = "instant" };
        var command = new Command("deployments", """
            What runs in each stage of a model: version, since when, who approved it, its fallback; now or at any past instant.

            Example: gov deployments fraud-detector --at 2026-11-22T10:00:00Z
            """)
        {
            model, at,
        };
        command.SetAction(run.Action(async (session, parse, ct) =>
        {
            var query = parse.GetValue(at) is { } instant ? $"?at={Uri.EscapeDataString(instant)}" : "";
            var response = await session.Api.GetAsync($"models/{Uri.EscapeDataString(parse.GetValue(model)!)}/deployments{query}", ct);
            return await session.DoneAsync(response, async () =>
            {
                var deployments = response.Json();
                await session.Out.WriteLineAsync($"{deployments.Str("model")} at {deployments.Str("at")}:");
                Table.Write(session.Out, ["stage", "version", "since", "approved by", "fallback", "promotion"],
                    deployments.Array("stages").Select(s => (IReadOnlyList<string?>)
                    [
                        s.Str("stage"), s.Str("version"), s.Str("since"), s.Str("version") is null ? null : Json.Names(s.Strings("approvedBy"), "-"), s.Str("fallback"),
                        s.Str("promotionId"),
                    ]));
            });
        }));
        return command;
    }
}
