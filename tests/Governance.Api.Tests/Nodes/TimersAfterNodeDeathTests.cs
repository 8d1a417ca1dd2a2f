namespace Governance.Api.Tests.Nodes;

/// <summary>
/// An ack deadline is a timer stored in PostgreSQL, not in the memory of the node that set it: when that node is
/// SIGKILLed, another node escalates the incident at its deadline, once. The sweep is off (a day apart) on both nodes,
/// so only the timer can do it.
/// </summary>
public sealed class TimersAfterNodeDeathTests
{
    [Fact]
    public async Task an_ack_deadline_escalates_once_although_the_node_that_scheduled_it_was_killed()
    {
        await using var cluster = await TimersCluster.StartAsync(operationsIntervalSeconds: 86_400);
        var (overdue, deadline) = await TimersCluster.OpenSev1Async(cluster.A);
        var (acknowledged, _) = await TimersCluster.OpenSev1Async(cluster.A);
        using (var client = cluster.A.CreateClient())
        {
            await TimersCluster.PostAsync(client, $"/api/v1/incidents/{acknowledged}/acknowledgement", new { });
        }

        await cluster.A.KillAsync();
        DateTimeOffset.UtcNow.ShouldBeLessThan(deadline, "node A must die before the deadline for this test to mean anything");

        await TimersCluster.WaitUntilEscalatedAsync(cluster.B, [overdue], deadline - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(45));
        var escalated = (await TimersCluster.EscalationsAsync(cluster.B, overdue)).Single();
        DateTimeOffset.Parse(escalated.GetProperty("data").GetProperty("escalatedAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture)
            .ShouldBeGreaterThanOrEqualTo(deadline);
        escalated.GetProperty("data").GetProperty("to").GetString().ShouldNotBe(escalated.GetProperty("data").GetProperty("from").GetString());

        // Another scheduled-job poll or two later: still once, and the acknowledged incident never escalated.
        await Task.Delay(TimeSpan.FromSeconds(7));
        (await TimersCluster.EscalationsAsync(cluster.B, overdue)).Count.ShouldBe(1);
        (await TimersCluster.EscalationsAsync(cluster.B, acknowledged)).ShouldBeEmpty();
    }
}
