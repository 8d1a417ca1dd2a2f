namespace Governance.Api.Tests.Nodes;

/// <summary>
/// Two live nodes, timers set through both, and the escalation sweep running every second on each of them as well:
/// whoever gets there first escalates, every other attempt finds nothing to do.
/// </summary>
public sealed class TimersWithBothNodesTests
{
    [Fact]
    public async Task nothing_is_escalated_twice_when_both_nodes_are_alive()
    {
        await using var cluster = await TimersCluster.StartAsync(operationsIntervalSeconds: 1);
        var opened = new List<(string Id, DateTimeOffset Deadline)>();
        foreach (var node in new[] { cluster.A, cluster.B, cluster.A, cluster.B })
        {
            opened.Add(await TimersCluster.OpenSev1Async(node));
        }

        var last = opened.Max(o => o.Deadline);
        await TimersCluster.WaitUntilEscalatedAsync(cluster.A, opened.Select(o => o.Id), last - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(45));
        await Task.Delay(TimeSpan.FromSeconds(7));
        foreach (var (id, _) in opened)
        {
            (await TimersCluster.EscalationsAsync(cluster.B, id)).Count.ShouldBe(1, $"incident {id}");
        }
    }
}
