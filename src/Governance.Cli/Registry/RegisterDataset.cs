using System.CommandLine;
using Governance.Cli.Core;

namespace Governance.Cli.Registry;

/// <summary><c>gov datasets register</c>: POST /datasets/{name}/versions.</summary>
public static class RegisterDataset
{
    public static Command Create(Runner run)
    {
        var name = new Argument<string>("name") { Description = "The dataset's name, e.g. transactions" };
        var version = new Argument<string>("version") { Description = "This version's label, e.g. 2026-11-01" };
        var uri = new Option<string>("--uri") { Description = "Where the data lives, e.g. s3://data/txns/2026-11-01", Required = true };
        var digest = new Option<string>("--digest") { Description = "Its content digest, e.g. sha256:9f2c…", Required = true };
        var rows = new Option<long?>("--rows") { Description = "How many rows it has" };
        var parents = new Option<string[]>("--parent") { Description = "A dataset version it was derived from, as name@version; repeat it" };
        var command = new Command("register", """
            Register a dataset version (and what it was derived from).

            Example: gov datasets register transactions 2026-11-01 --uri s3://data/txns/2026-11-01 --digest sha256:9f2c… --rows 1200000 --parent raw-txns@2026-11-01
            """)
        {
            name, version, uri, digest, rows, parents,
        };
        command.SetAction(run.Action(async (session, parse, ct) =>
        {
            var dataset = parse.GetValue(name)!;
            var response = await session.Api.PostAsync($"datasets/{Uri.EscapeDataString(dataset)}/versions", new
            {
                version = parse.GetValue(version),
                uri = parse.GetValue(uri),
                digest = parse.GetValue(digest),
                rows = parse.GetValue(rows),
                parents = parse.GetValue(parents) ?? [],
            }, ct);
            return await session.DoneAsync(response, async () =>
            {
                var created = response.Json();
                await session.Out.WriteLineAsync($"Registered dataset {created.Str("name")}@{created.Str("version")} (lineage node {created.Str("node")}).");
            });
        }));
        return command;
    }
}
