using System.Net;
using Governance.Api.Tests.Harness;

namespace Governance.Api.Tests.Conventions;

/// <summary>
/// The Alba scenarios every HTTP test stands on: they call as the admin unless told otherwise, fail when the response
/// misses an expectation, and leave the response readable.
/// </summary>
public sealed class ScenarioHarnessTests(GovernanceApp app) : IClassFixture<GovernanceApp>
{
    [Fact]
    public async Task a_scenario_calls_as_the_admin_unless_it_names_a_key_or_nobody()
    {
        var key = await app.CreatePrincipalAsync("harness-hana", GovernanceApp.Role.Viewer);

        (await app.Scenario(s => s.Get.Url("/api/v1/principals/me"))).Json.GetProperty("name").GetString().ShouldBe("admin");
        (await app.Scenario(s => s.Get.Url("/api/v1/principals/me").As(key))).Json.GetProperty("name").GetString().ShouldBe("harness-hana");
        await app.Scenario(s => s.Get.Url("/api/v1/principals/me").Anonymous().StatusCodeShouldBe(401).ShouldBeProblem());
    }

    [Fact]
    public async Task a_status_other_than_the_expected_one_fails_the_scenario_and_shows_the_body()
    {
        var failed = await Should.ThrowAsync<ScenarioAssertionException>(() =>
            app.Scenario(s => s.Get.Url("/api/v1/models/harness-missing").StatusCodeShouldBe(200)));

        failed.Message.ShouldContain("Expected status code 200, but was 404");
        failed.Message.ShouldContain("\"status\":404");
    }

    [Fact]
    public async Task without_an_expected_status_a_scenario_wants_200_unless_it_ignores_the_status()
    {
        await Should.ThrowAsync<ScenarioAssertionException>(() => app.Scenario(s => s.Get.Url("/api/v1/models/harness-missing")));

        var answered = await app.Scenario(s => s.Get.Url("/api/v1/models/harness-missing").IgnoreStatusCode());
        answered.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task a_body_that_is_not_a_problem_fails_should_be_problem()
    {
        var failed = await Should.ThrowAsync<ScenarioAssertionException>(() =>
            app.Scenario(s => s.Get.Url("/api/v1/principals/me").ShouldBeProblem()));

        failed.Message.ShouldContain("Expected application/problem+json");
    }

    [Fact]
    public async Task the_body_is_still_readable_after_the_expectations_read_it()
    {
        var refused = await app.Scenario(s => s.Get.Url("/api/v1/models/harness-missing").StatusCodeShouldBe(404).ShouldBeProblem());
        refused.Json.GetProperty("status").GetInt32().ShouldBe(404);
        refused.ContentType.ShouldBe("application/problem+json");

        var me = await app.Scenario(s => s.Get.Url("/api/v1/principals/me").BodyShouldContain("\"admin\""));
        me.Json.GetProperty("name").GetString().ShouldBe("admin");
    }

    [Fact]
    public async Task a_query_written_in_the_url_reaches_the_endpoint_as_a_query()
    {
        var refused = await app.Scenario(s => s.Post.Json(new { name = "harness-q", roles = new[] { "viewer" } }).ToUrl("/api/v1/principals?bogus=1")
            .StatusCodeShouldBe(400).ShouldBeProblem());
        refused.Body.ShouldContain("bogus");
    }
}
