using Governance.Api.Incidents;
using Governance.Api.Rotations;
using Governance.Api.Slos;
using NodaTime;

namespace Governance.Api.Tests.Operations;

/// <summary>Burn-rate judgement and the breach decider, table-driven (objective 0.99: the budget is 1% errors).</summary>
public sealed class BurnRateTests
{
    private static readonly Instant Now = Instant.FromUtc(2026, 11, 23, 9, 0);

    private static WindowCounts Errors(double rate) => new((long)Math.Round(10_000 * (1 - rate)), 10_000);

    [Theory]
    // error rates over 5m, 30m, 1h, 6h, 3d → expected verdict
    [InlineData(0.20, 0.20, 0.20, 0.05, 0.01, "page")]    // 20× over 1h and 5m
    [InlineData(0.20, 0.20, 0.14, 0.05, 0.01, null)]       // 14× over 1h is not enough (and 5× over 6h, 1× over 3d not above)
    [InlineData(0.00, 0.20, 0.20, 0.05, 0.01, null)]       // the burn already stopped: the 5m window vetoes the page
    [InlineData(0.07, 0.07, 0.07, 0.07, 0.02, "page")]    // 7× over 6h and 30m
    [InlineData(0.07, 0.05, 0.07, 0.07, 0.02, "ticket")]  // 30m below 6×; 7× over 6h and 2× over 3d is still a ticket
    [InlineData(0.02, 0.02, 0.02, 0.02, 0.02, "ticket")]  // slow burn: 2× everywhere
    [InlineData(0.02, 0.02, 0.02, 0.005, 0.02, null)]      // 6h under 1×
    [InlineData(0.005, 0.005, 0.005, 0.005, 0.005, null)]  // within budget
    public void the_workbook_windows_decide_page_ticket_or_nothing(double m5, double m30, double h1, double h6, double d3, string? expected)
    {
        var judgement = BurnRates.Judge(0.99, new SloCounts(Errors(m5), Errors(m30), Errors(h1), Errors(h6), Errors(d3), Errors(d3)));
        judgement.Breach?.ToString().ToLowerInvariant().ShouldBe(expected);
    }

    [Fact]
    public void attainment_and_budget_come_from_the_slo_window()
    {
        var judgement = BurnRates.Judge(0.95, new SloCounts(default, default, default, default, default, new WindowCounts(970, 1000)));
        judgement.Attainment.ShouldBe(0.97);
        judgement.ErrorBudgetRemaining.ShouldBe(0.4, 1e-9);
        judgement.BurnRates["1h"].ShouldBe(0);
        BurnRates.Judge(0.95, new SloCounts(default, default, default, default, default, default)).Attainment.ShouldBeNull();
    }

    private static Slo Defined => Slo.Initial with { Id = "slo-1", Name = "accuracy", Model = "m", Team = "t", Stage = "production", Objective = 0.99, Window = Duration.FromDays(28) };

    private static SloJudgement Verdict(BreachKind? kind) =>
        new(new Dictionary<string, double>(), null, 1, kind, kind is null ? null : "1h", kind is null ? null : "5m", 20, 20);

    private static readonly IncidentRoute Route = new(true, "t",
        new Rotation("t", "UTC", IsoDayOfWeek.Monday, new LocalTime(9, 0), 7, ["ana", "ben"], [], new LocalDate(2026, 11, 23), []));

    [Theory]
    [InlineData(BreachKind.Page, "SEV2")]
    [InlineData(BreachKind.Ticket, "SEV3")]
    public void a_new_breach_opens_an_incident_routed_to_the_primary(BreachKind kind, string severity)
    {
        var (events, incident) = BurnRates.Decide(Defined, Verdict(kind), "inc-9", Route, Now);
        events.Single().ShouldBeOfType<SloBreached>().Kind.ShouldBe(kind);
        incident.ShouldNotBeNull();
        incident.Severity.Text().ShouldBe(severity);
        incident.Assignee.ShouldBe("ana");
        incident.Source.ShouldBe(IncidentSource.SloBreach);
        incident.SloId.ShouldBe("slo-1");
    }

    [Fact]
    public void no_second_breach_while_one_is_active_and_recovery_when_it_clears()
    {
        var active = Defined with { Breach = new ActiveBreach(BreachKind.Page, Now, "inc-1") };
        BurnRates.Decide(active, Verdict(BreachKind.Page), "inc-2", Route, Now).SloEvents.ShouldBeEmpty();
        BurnRates.Decide(active, Verdict(BreachKind.Ticket), "inc-2", Route, Now).SloEvents.ShouldBeEmpty();
        var (events, incident) = BurnRates.Decide(active, Verdict(null), "inc-2", Route, Now + Duration.FromHours(2));
        events.Single().ShouldBeOfType<SloRecovered>().BreachedAt.ShouldBe(Now);
        incident.ShouldBeNull();
        BurnRates.Decide(Defined, Verdict(null), "inc-2", Route, Now).SloEvents.ShouldBeEmpty();
    }
}
