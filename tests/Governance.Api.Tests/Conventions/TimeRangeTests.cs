using Governance.Api.Tests.Harness;
using Governance.Api.Tests.Operations;
using Governance.Api.Tests.Registry;
using NodaTime;

namespace Governance.Api.Tests.Conventions;

/// <summary>
/// Instants and durations at the edges, in every query and body that takes one: outside the range they are a 400
/// naming the field (these requests answered 500 before, and one of them poisoned a rotation for good); at the edges
/// of the range they answer.
/// </summary>
public sealed class TimeRangeTests(TimeRangeTests.EdgeApp app) : IClassFixture<TimeRangeTests.EdgeApp>
{
    private const string Model = "edge-model";
    private const string Team = "edge-team";

    private string slo => app.Slo;

    private string experiment => app.Experiment;

    /// <summary>The service with a model, a rotation, an SLO and an experiment to aim at.</summary>
    public sealed class EdgeApp : GovernanceApp, IAsyncLifetime
    {
        public string Slo { get; private set; } = "";

        public string Experiment { get; private set; } = "";

        public new async Task InitializeAsync()
        {
            await base.InitializeAsync();
            await this.RegisterModelAsync(Model, team: Team);
            await this.DefineRotationAsync(Team, ["ana", "ben"]);
            var defined = await Scenario(s => s.Post.Json(new { name = "Accuracy", model = Model, stage = "production", objective = 0.99, window = "P28D", description = "d" })
                .ToUrl("/api/v1/slos").StatusCodeShouldBe(201));
            Slo = defined.Json.GetProperty("id").GetString()!;
            Experiment = await this.StartExperimentAsync(Model);
        }
    }

    /// <summary>A request that must be refused with 400 and an error on <see cref="Field"/>.</summary>
    public sealed record Edge(string Name, string Method, string Url, string? Body, string Field)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<Edge> Edges() => new()
    {
        new("on call at the end of year 9999", "GET", $"/api/v1/teams/{Team}/oncall?at=9999-12-31T23:59:59Z", null, "at"),
        new("shift report at the end of year 9999", "GET", $"/api/v1/teams/{Team}/shift-report?at=9999-12-31T23:59:59Z", null, "at"),
        new("on call late on 9999-12-31 with an offset", "GET", $"/api/v1/teams/{Team}/oncall?at=9999-12-31T23:59:59-05:00", null, "at"),
        new("deployments in the year -1", "GET", $"/api/v1/models/{Model}/deployments?at=-0001-01-01T00:00:00Z", null, "at"),
        new("document in the year -1", "GET", $"/api/v1/docs/models/{Model}?at=-0001-01-01T00:00:00Z", null, "at"),
        new("alert noise since the year -1", "GET", "/api/v1/alerts/noise?since=-0001-01-01T00:00:00Z", null, "since"),
        new("alert noise since after 9999", "GET", "/api/v1/alerts/noise?since=9999-12-31T23:59:59-05:00", null, "since"),
        new("audit from the year -1", "GET", "/api/v1/audit/events?from=-0001-01-01T00:00:00Z", null, "from"),
        new("audit to the year -1", "GET", "/api/v1/audit/events?to=-0001-01-01T00:00:00Z", null, "to"),
        new("a measurement in the year -1", "POST", "/api/v1/slos/{slo}/measurements",
            """[{"from":"-0001-12-31T23:00:00Z","to":"-0001-12-31T23:59:59Z","good":1,"total":1}]""", "[0].from"),
        new("a measurement in the last hour of 9999", "POST", "/api/v1/slos/{slo}/measurements",
            """[{"from":"2026-11-23T08:00:00Z","to":"2026-11-23T08:05:00Z","good":1,"total":1},{"from":"9999-12-31T23:00:00Z","to":"9999-12-31T23:59:59Z","good":1,"total":1}]""",
            "[1].from"),
        new("an slo window of 10^17 hours", "POST", "/api/v1/slos",
            $$"""{"name":"x","model":"{{Model}}","stage":"production","objective":0.9,"window":"PT99999999999999999H","description":"d"}""", "window"),
        new("an slo window of a million years", "POST", "/api/v1/slos",
            $$"""{"name":"x","model":"{{Model}}","stage":"production","objective":0.9,"window":"P999999Y","description":"d"}""", "window"),
        new("a revised slo window of 10^17 hours", "PUT", "/api/v1/slos/{slo}",
            """{"name":"x","objective":0.9,"window":"PT99999999999999999H","description":"d"}""", "window"),
        new("a label delay of 10^17 hours", "PUT", "/api/v1/slos/{slo}",
            """{"name":"x","objective":0.9,"window":"P28D","labelDelay":"PT99999999999999999H","description":"d"}""", "labelDelay"),
        new("a rotation starting on 9999-12-31", "PUT", "/api/v1/teams/edge-late/rotation",
            """{"timeZone":"Europe/Berlin","handoffDay":"Monday","handoffTime":"10:00","shiftLength":"P7D","members":["ana"],"startsOn":"9999-12-31"}""", "startsOn"),
        new("an ack deadline of 10^17 hours", "PUT", "/api/v1/teams/edge-ack/rotation",
            """{"timeZone":"UTC","handoffDay":"Monday","handoffTime":"10:00","shiftLength":"P7D","members":["ana"],"startsOn":"2026-11-23","ackDeadlines":{"SEV1":"PT99999999999999999H"}}""",
            "ackDeadlines[SEV1]"),
        new("an override from the year -1", "POST", $"/api/v1/teams/{Team}/overrides", """{"member":"ben","from":"-0001-12-31T00:00:00Z","to":"2026-11-24T00:00:00Z"}""", "from"),
        new("an override until after 9998", "POST", $"/api/v1/teams/{Team}/overrides", """{"member":"ben","from":"2026-11-23T00:00:00Z","to":"9999-06-01T00:00:00Z"}""", "to"),
        new("a run started in the year -5", "POST", "/api/v1/experiments/{experiment}/runs",
            """{"runId":"r-early","codeCommit":"abc","configHash":"x","startedAt":"-0005-01-01T00:00:00Z"}""", "startedAt"),
        new("a minimum soak of 10^17 hours", "PUT", $"/api/v1/models/{Model}/policy", """{"stages":{"production":{"minSoak":"PT99999999999999999H"}}}""",
            "stages[production].minSoak"),
    };

    [Theory]
    [MemberData(nameof(Edges))]
    public async Task an_instant_or_duration_outside_the_range_is_400_naming_the_field_and_writes_nothing(Edge edge)
    {
        var before = await app.EventCountAsync();
        var url = edge.Url.Replace("{slo}", slo, StringComparison.Ordinal).Replace("{experiment}", experiment, StringComparison.Ordinal);
        var result = await app.Scenario(s =>
        {
            s.WithMethod(new HttpMethod(edge.Method)).ToUrl(url);
            if (edge.Body is not null)
            {
                s.Text(edge.Body, "application/json");
            }

            s.StatusCodeShouldBe(400);
            s.ShouldBeProblem();
        });

        var errors = result.Json.GetProperty("errors");
        errors.TryGetProperty(edge.Field, out var messages).ShouldBeTrue($"no error for '{edge.Field}' in {result.Body}");
        messages[0].GetString()!.ShouldNotBeNullOrWhiteSpace();
        (await app.EventCountAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task a_rotation_refused_for_its_start_date_leaves_the_team_readable()
    {
        await app.Scenario(s => s.Put.Text("""{"timeZone":"UTC","handoffDay":"Monday","handoffTime":"10:00","shiftLength":"P7D","members":["ana"],"startsOn":"9999-12-31"}""", "application/json")
            .ToUrl("/api/v1/teams/edge-poison/rotation").StatusCodeShouldBe(400));
        await app.Scenario(s => s.Get.Url("/api/v1/teams/edge-poison/oncall").StatusCodeShouldBe(404).ShouldBeProblem());
    }

    [Fact]
    public async Task the_first_instant_of_the_year_1_answers_an_empty_early_view()
    {
        var deployments = await app.Scenario(s => s.Get.Url($"/api/v1/models/{Model}/deployments?at=0001-01-01T00:00:00Z").StatusCodeShouldBe(200));
        deployments.Json.GetProperty("stages").EnumerateArray().Where(stage => stage.TryGetProperty("version", out var version)).ShouldBeEmpty();
        await app.Scenario(s => s.Get.Url($"/api/v1/teams/{Team}/oncall?at=0001-01-01T00:00:00Z").StatusCodeShouldBe(404).ShouldBeProblem());
        await app.Scenario(s => s.Get.Url($"/api/v1/teams/{Team}/shift-report?at=0001-01-01T00:00:00Z").StatusCodeShouldBe(404).ShouldBeProblem());
        await app.Scenario(s => s.Get.Url($"/api/v1/docs/models/{Model}?at=0001-01-01T00:00:00Z").StatusCodeShouldBe(404).ShouldBeProblem());
        await app.Scenario(s => s.Get.Url("/api/v1/alerts/noise?since=0001-01-01T00:00:00Z").StatusCodeShouldBe(200));
        var audit = await app.Scenario(s => s.Get.Url("/api/v1/audit/events?to=0001-01-01T00:00:00Z").StatusCodeShouldBe(200));
        audit.Json.GetProperty("events").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task the_last_instant_of_9998_answers()
    {
        var onCall = await app.Scenario(s => s.Get.Url($"/api/v1/teams/{Team}/oncall?at=9998-12-31T23:59:59Z").StatusCodeShouldBe(200));
        onCall.Json.GetProperty("shiftEnd").GetString()!.ShouldStartWith("9999-01-");
        await app.Scenario(s => s.Get.Url($"/api/v1/teams/{Team}/shift-report?at=9998-12-31T23:59:59Z").StatusCodeShouldBe(200));
        await app.Scenario(s => s.Get.Url($"/api/v1/models/{Model}/deployments?at=9998-12-31T23:59:59Z").StatusCodeShouldBe(200));
        await app.Scenario(s => s.Get.Url($"/api/v1/docs/models/{Model}?at=9998-12-31T23:59:59Z").StatusCodeShouldBe(200));
        await app.Scenario(s => s.Get.Url("/api/v1/alerts/noise?since=9998-12-31T23:59:59Z").StatusCodeShouldBe(200));
        await app.Scenario(s => s.Get.Url("/api/v1/audit/events?from=9998-12-31T23:59:59Z").StatusCodeShouldBe(200));
    }

    public static TheoryData<string> InstantQueries() => new()
    {
        $"/api/v1/teams/{Team}/oncall?at=",
        $"/api/v1/teams/{Team}/shift-report?at=",
        $"/api/v1/models/{Model}/deployments?at=",
        $"/api/v1/docs/models/{Model}?at=",
        "/api/v1/alerts/noise?since=",
        "/api/v1/audit/events?limit=5&from=",
    };

    [Theory]
    [MemberData(nameof(InstantQueries))]
    public async Task every_instant_query_takes_utc_offsets_and_an_unencoded_plus_alike(string url)
    {
        string[] sameInstant = ["2026-11-24T10:00:00Z", "2026-11-24T12:00:00%2B02:00", "2026-11-24T12:00:00+02:00", "2026-11-24T05:00:00-05:00", "2026-11-24T10:00Z"];
        var bodies = new List<string>();
        foreach (var at in sameInstant)
        {
            var result = await app.Scenario(s => s.Get.Url(url + at).StatusCodeShouldBe(200));
            bodies.Add(result.Body);
        }

        bodies.Distinct().Count().ShouldBe(1, "the same instant written differently gave different answers");
    }

    [Theory]
    [MemberData(nameof(InstantQueries))]
    public async Task every_instant_query_refuses_a_date_alone_and_says_how_to_write_it(string url)
    {
        var result = await app.Scenario(s => s.Get.Url(url + "2026-11-24").StatusCodeShouldBe(400).ShouldBeProblem());
        var (field, messages) = result.Json.GetProperty("errors").EnumerateObject().Select(p => (p.Name, p.Value)).Single();
        url.ShouldEndWith(field + "=");
        messages[0].GetString()!.ShouldContain("2026-11-24T00:00:00Z");
    }

    [Fact]
    public async Task an_slo_window_reaching_back_before_the_year_1_still_gives_the_document()
    {
        // A model that existed in the year 1 (the clock says so): its document at that time subtracts the SLO's
        // 28-day window from an instant a few days after 0001-01-01.
        app.Clock.Reset(Instant.FromUtc(1, 1, 2, 0, 0));
        try
        {
            await app.RegisterModelAsync("edge-ancient", team: Team);
            await app.Scenario(s => s.Post.Json(new { name = "Old accuracy", model = "edge-ancient", stage = "production", objective = 0.9, window = "P28D", description = "d" })
                .ToUrl("/api/v1/slos").StatusCodeShouldBe(201));
        }
        finally
        {
            app.Clock.Reset(GovernanceApp.Start);
        }

        var doc = await app.Scenario(s => s.Get.Url("/api/v1/docs/models/edge-ancient?at=0001-01-03T00:00:00Z").StatusCodeShouldBe(200));
        doc.Body.ShouldContain("Old accuracy");
    }

    [Fact]
    public async Task a_run_with_times_at_the_edges_of_the_range_is_recorded()
    {
        await app.Scenario(s => s.Post.Json(new
        {
            runId = "r-edges", codeCommit = "abc", configHash = "x", startedAt = "0001-01-01T00:00:00Z", finishedAt = "9998-12-31T23:59:59Z",
        }).ToUrl($"/api/v1/experiments/{experiment}/runs").StatusCodeShouldBe(201));
        var stream = await app.Scenario(s => s.Get.Url($"/api/v1/streams/experiment-{experiment}/events").StatusCodeShouldBe(200));
        var run = stream.Json.GetProperty("events").EnumerateArray().Last().GetProperty("data");
        run.GetProperty("finishedAt").GetString().ShouldBe("9998-12-31T23:59:59Z");
    }
}
