using System.CommandLine;
using Governance.Cli.Core;

namespace Governance.Cli.Lineage;

/// <summary><c>gov lineage</c>: GET /lineage.</summary>
public static class ShowLineage
{
    public static Command Create(Runner run)
    {
        var node = new Argument<string>("node") { Description = "model:{key}@{version} or dataset:{name}@{version}" };
        var direction = new Option<string?>("--direction") { Description = "upstream (where it came from), downstream (what came from it) or both [default: both]" };
        direction.AcceptOnlyFromAmong("upstream", "downstream", "both");
        var depth = new Option<int?>("--depth") { Description = "How many steps to follow, 1–50 [default: 5]" };
        var command = new Command("lineage", """
            The lineage graph around a model or dataset version: the nodes and the edges between them.

            Example: gov lineage model:fraud-detector@1.4.0 --direction upstream --depth 3
            """)
        {
            node, direction, depth,
        };
        command.SetAction(run.Action(async (session, parse, ct) =>
        {
            var query = $"lineage?node={Uri.EscapeDataString(parse.GetValue(node)!)}"
                + (parse.GetValue(direction) is { } d ? $"&direction={d}" : "")
                + (parse.GetValue(depth) is { } n ? $"&depth={n}" : "");
            var response = await session.Api.GetAsync(query, ct);
            return await session.DoneAsync(response, async () =>
            {
                var graph = response.Json();
                Table.Write(session.Out, ["node", "kind", "label"],
                    graph.Array("nodes").Select(n => (IReadOnlyList<string?>)[n.Str("id"), n.Str("kind"), n.Str("label")]));
                var edges = graph.Array("edges");
                if (edges.Count > 0)
                {
                    await session.Out.WriteLineAsync();
                    Table.Write(session.Out, ["from", "edge", "to"], edges.Select(e => (IReadOnlyList<string?>)[e.Str("from"), e.Str("kind"), e.Str("to")]));
                }

            });
        }));
        return command;
    }
}
