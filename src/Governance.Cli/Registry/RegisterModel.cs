using System.CommandLine;
using Governance.Cli.Core;

namespace Governance.Cli.Registry;

/// <summary><c>gov models register</c>: POST /models.</summary>
public static class RegisterModel
{
    public static Command Create(Runner run)
    {
        var key = new Argument<string>("key") { Description = "The model's key (lowercase, digits, dashes), e.g. fraud-detector" };
        var name = new Option<string>("--name") { Description = "A name people read", Required = true };
        var team = new Option<string>("--team") { Description = "The owning team (its on-call rotation gets the incidents)", Required = true };
        var taskType = new Option<string>("--task-type") { Description = "e.g. binary-classification, regression, ranking", Required = true };
        var stages = new Option<string[]>("--stage")
        {
            Description = "A stage, in order; repeat it (at least two; default offline, shadow, canary, production). The first is where versions start.",
            AllowMultipleArgumentsPerToken = false,
        };
        var description = new Option<string?>("--description") { Description = "What the model does and for whom" };
        var command = new Command("register", """
            Register a model: its key, owners, task and the stages its versions move through.

            Example: gov models register fraud-detector --name "Fraud detector" --team payments-ml --task-type binary-classification --stage offline --stage shadow --stage production
            """)
        {
            key, name, team, taskType, stages, description,
        };
        command.SetAction(run.Action(async (session, parse, ct) =>
        {
            var response = await session.Api.PostAsync("models", new
            {
                key = parse.GetValue(key),
                name = parse.GetValue(name),
                description = parse.GetValue(description),
                team = parse.GetValue(team),
                taskType = parse.GetValue(taskType),
                stages = parse.GetValue(stages) ?? [],
            }, ct);
            return await session.DoneAsync(response, async () =>
            {
                var model = response.Json();
                await session.Out.WriteLineAsync(
                    $"Registered model {model.Str("key")} ({model.Str("name")}), team {model.Str("team")}; stages {string.Join(" → ", model.Strings("stages"))}.");
            });
        }));
        return command;
    }
}
