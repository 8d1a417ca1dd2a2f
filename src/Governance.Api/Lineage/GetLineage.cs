using System.Text.RegularExpressions;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Errors;
using Npgsql;

namespace Governance.Api.Lineage;

/// <summary>GET /lineage: the graph around a node, upstream (what it came from), downstream (what came from it) or both.</summary>
public static partial class GetLineage
{
    /// <summary>A node of the graph.</summary>
    public sealed record Node(string Id, string Kind, string Label);

    /// <summary>An edge, from input to output.</summary>
    public sealed record Edge(string From, string To, string Kind);

    /// <summary>The answer.</summary>
    public sealed record Graph(IReadOnlyList<Node> Nodes, IReadOnlyList<Edge> Edges);

    private const int DefaultDepth = 5;
    private const int MaxDepth = 50;

    /// <summary>Maps the endpoint.</summary>
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapGet("/lineage", async (NpgsqlDataSource db, CancellationToken ct, string? node = null, string? direction = null, int? depth = null) =>
            {
                var errors = new Dictionary<string, string[]>();
                if (node is null || node.Length > 1100 || !NodeSyntax().IsMatch(node))
                {
                    errors["node"] = ["'node' is model:{key}@{version}, dataset:{name}@{version}, run:{experiment}/{run}, " +
                                      "job:{namespace}/{name}, pipelinerun:{runId} or external:{namespace}/{name}."];
                }

                var dir = direction ?? "both";
                if (dir is not ("upstream" or "downstream" or "both"))
                {
                    errors["direction"] = ["'direction' is upstream, downstream or both."];
                }

                if (depth is < 1 or > MaxDepth)
                {
                    errors["depth"] = [$"'depth' is between 1 and {MaxDepth}."];
                }

                if (errors.Count > 0)
                {
                    return Results.ValidationProblem(errors, title: "Invalid query");
                }

                var graph = await QueryAsync(db, node!, dir, depth ?? DefaultDepth, ct);
                return graph is null ? DomainError.NotFound($"No lineage node '{node}'.").ToResult() : Results.Ok(graph);
            })
            .RequireRole(Roles.Viewer)
            .WithTags("Lineage").WithName("GetLineage")
            .WithSummary("Lineage around a node: datasets, runs, model versions and the edges between them.")
            .Produces<Graph>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

    /// <summary>Walks the graph with a recursive query bounded by depth; null when the node does not exist.</summary>
    public static async Task<Graph?> QueryAsync(NpgsqlDataSource db, string node, string direction, int depth, CancellationToken ct)
    {
        // UNION (not UNION ALL) with a depth bound: a revisited node adds nothing, so even a cycle would end.
        const string sql = """
            WITH RECURSIVE
            down(id, depth) AS (
                SELECT $1::text, 0 WHERE $3
                UNION
                SELECT e.to_id, d.depth + 1 FROM down d JOIN governance.lineage_edges e ON e.from_id = d.id WHERE d.depth < $2
            ),
            up(id, depth) AS (
                SELECT $1::text, 0 WHERE $4
                UNION
                SELECT e.from_id, u.depth + 1 FROM up u JOIN governance.lineage_edges e ON e.to_id = u.id WHERE u.depth < $2
            ),
            reached AS (SELECT DISTINCT id FROM down UNION SELECT DISTINCT id FROM up UNION SELECT $1::text)
            SELECT n.id, n.kind, n.label FROM governance.lineage_nodes n JOIN reached r ON r.id = n.id ORDER BY n.kind, n.id;
            """;
        var includeDown = direction is "downstream" or "both";
        var includeUp = direction is "upstream" or "both";
        var nodes = new List<Node>();
        await using (var cmd = db.CreateCommand(sql))
        {
            cmd.Parameters.Add(new() { Value = node });
            cmd.Parameters.Add(new() { Value = depth });
            cmd.Parameters.Add(new() { Value = includeDown });
            cmd.Parameters.Add(new() { Value = includeUp });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                nodes.Add(new Node(reader.GetString(0), reader.GetString(1), reader.GetString(2)));
            }
        }

        if (!nodes.Any(n => n.Id == node))
        {
            return null;
        }

        var ids = nodes.Select(n => n.Id).ToArray();
        var edges = new List<Edge>();
        await using (var cmd = db.CreateCommand(
            "SELECT from_id, to_id, kind FROM governance.lineage_edges WHERE from_id = ANY($1) AND to_id = ANY($1) ORDER BY from_id, to_id, kind"))
        {
            cmd.Parameters.Add(new() { Value = ids });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                edges.Add(new Edge(reader.GetString(0), reader.GetString(1), reader.GetString(2)));
            }
        }

        return new Graph(nodes, edges);
    }

    // OpenLineage names (job:, pipelinerun:, external:) are the producer's, URLs included: anything but control characters.
    [GeneratedRegex(@"^(model|dataset|guardrail):[A-Za-z0-9][A-Za-z0-9._-]*@[A-Za-z0-9][A-Za-z0-9._-]*$|^run:[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$|^(job|external):[^\p{Cc}]+/[^\p{Cc}]+$|^pipelinerun:[^\p{Cc}]+$")]
    private static partial Regex NodeSyntax();
}
