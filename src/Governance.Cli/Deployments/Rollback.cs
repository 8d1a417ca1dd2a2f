using System.CommandLine;
using Governance.Cli.Core;

namespace Governance.Cli.Deployments;

/// <summary><c>gov rollback</c>: POST /models/{key}/stages/{stage}/rollback.</summary>
public static class Rollback
{
    public static Command Create(Runner run)
    {
        var model = new Argument<string>("model") { Description = "The model's key" };
        var stage = new Argument<string>("stage") { Description = "The stage to roll back" };
        var reason = new Option<string>("--reason") { Description = "Why, for the record", Required = true };
        var to = new Option<string?>("--to") { Description = "The version to return to [default: the stage's fallback, else the version that ran before]" };
        var incident = new Option<string?>("--incident") { Description = "The incident this rollback answers" };
        var command = new Command("rollback", """
            Roll a stage back to its fallback (or a named version that ran there). Exits 3 when there is nothing to return to.

            Example: gov rollback fraud-detector production --reason "Precision SLO breached" --incident 0193f0c2…
            """)
        {
            model, stage, reason, to, incident,
        };
        command.SetAction(run.Action(async (session, parse, ct) =>
        {
            var path = $"models/{Uri.EscapeDataString(parse.GetValue(model)!)}/stages/{Uri.EscapeDataString(parse.GetValue(stage)!)}/rollback";
            var response = await session.Api.PostAsync(path, new { toVersion = parse.GetValue(to), reason = parse.GetValue(reason), incidentId = parse.GetValue(incident) }, ct);
            return await session.DoneAsync(response, async () =>
            {
                var rolledBack = response.Json();
                await session.Out.WriteLineAsync(
                    $"Rolled back {rolledBack.Str("model")} in {rolledBack.Str("stage")}: {rolledBack.Str("fromVersion")} → {rolledBack.Str("toVersion")}; fallback now {rolledBack.Str("fallback") ?? "none"}.");
            });
        }));
        return command;
    }
}
