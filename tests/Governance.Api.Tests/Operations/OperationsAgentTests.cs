using Governance.Api.Tests.Harness;
using Governance.Api.Tests.Registry;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Wolverine.Runtime;

namespace Governance.Api.Tests.Operations;

/// <summary>A node whose operations pass runs every second, to see the agent do it on its own.</summary>
public sealed class FastOperationsApp : GovernanceApp
{
    /// <inheritdoc />
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Governance:OperationsIntervalSeconds", "1");
    }
}

/// <summary>The periodic work runs as Wolverine agents (one node each in a cluster), and does its work without being asked.</summary>
public sealed class OperationsAgentTests(FastOperationsApp app) : IClassFixture<FastOperationsApp>
{
    [Fact]
    public void the_operations_pass_and_the_expired_records_sweep_run_as_wolverine_agents()
    {
        var running = app.Services.GetRequiredService<IWolverineRuntime>().Agents.AllRunningAgentUris().Select(u => u.Scheme).ToList();
        running.ShouldContain("operations");
        running.ShouldContain("expired-records");
    }

    [Fact]
    public async Task an_overdue_incident_without_a_timer_is_escalated_by_the_agents_sweep()
    {
        app.Clock.Reset(GovernanceApp.Start);
        await app.RegisterModelAsync("agent-model", team: "agent-team");
        var id = await app.OpenIncidentAsync("agent-model", "SEV1");
        (await IncidentTimerRows.DeleteAsync(app.ConnectionString, id)).ShouldBe(1);

        app.Clock.Advance(Duration.FromMinutes(15));
        var until = DateTime.UtcNow.AddSeconds(20);
        while (!(await app.Scenario(s => s.Get.Url($"/api/v1/incidents/{id}").StatusCodeShouldBe(200))).Json.GetProperty("escalated").GetBoolean())
        {
            DateTime.UtcNow.ShouldBeLessThan(until, "the agent's sweep did not escalate the incident");
            await Task.Delay(200);
        }

        app.Clock.Reset(GovernanceApp.Start);
    }
}
