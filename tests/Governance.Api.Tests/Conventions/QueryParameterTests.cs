using Governance.Api.Core.Requests;
using Governance.Api.Core.Time;
using Governance.Api.Tests.Harness;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using NodaTime;

namespace Governance.Api.Tests.Conventions;

/// <summary>Unknown query parameters are refused like unknown JSON fields, on every endpoint, from the endpoint's own signature.</summary>
public sealed class QueryParameterTests(GovernanceApp app) : IClassFixture<GovernanceApp>
{
    [Theory]
    [InlineData("/api/v1/models?bogus=1", "bogus", "this endpoint accepts: team")]
    [InlineData("/api/v1/audit/events?cursor=abc", "cursor", "model, actor, type, from, to, order, after, limit")]
    [InlineData("/api/v1/models/any/deployments?asOf=2026-11-22T10:00:00Z", "asOf", "accepts: at")]
    [InlineData("/api/v1/principals/me?verbose=true", "verbose", "takes none")]
    [InlineData("/api/v1/audit/verify?fast", "fast", "takes none")]
    [InlineData("/health/live?probe=1", "probe", "takes none")]
    public async Task an_unknown_query_parameter_is_400_naming_it_and_what_is_accepted(string url, string name, string accepted)
    {
        var result = await app.Scenario(s => s.Get.Url(url).StatusCodeShouldBe(400).ShouldBeProblem());
        var message = result.Json.GetProperty("errors").GetProperty(name)[0].GetString()!;
        message.ShouldContain($"'{name}' is not a query parameter here");
        message.ShouldContain(accepted);
    }

    [Fact]
    public async Task a_command_with_an_unknown_query_parameter_writes_nothing()
    {
        var before = await app.EventCountAsync();
        await app.Scenario(s => s.Post.Json(new { name = "query-dry-run", roles = new[] { "viewer" } }).ToUrl("/api/v1/principals?dryRun=true")
            .StatusCodeShouldBe(400).ShouldBeProblem());
        (await app.EventCountAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task known_parameters_are_matched_in_any_case_like_the_binder_does()
    {
        await app.Scenario(s => s.Get.Url("/api/v1/audit/events?LIMIT=1&Order=DESC").StatusCodeShouldBe(200));
    }

    [Fact]
    public async Task an_anonymous_caller_is_told_401_before_anything_about_the_query() =>
        await app.Scenario(s => s.Get.Url("/api/v1/models?bogus=1").Anonymous().StatusCodeShouldBe(401).ShouldBeProblem());

    private sealed record Body(string Name);

    [Fact]
    public void the_declared_parameters_come_from_the_handler_signature_so_new_endpoints_need_no_registration()
    {
        var handler = (string id, int? limit, [FromQuery(Name = "q")] string? search, QueryInstant? at, string[]? tag, IClock clock, HttpContext http,
            CancellationToken ct, Body body, [FromHeader(Name = "Idempotency-Key")] string? key) => Results.Ok();
        var endpoint = new RouteEndpoint(_ => Task.CompletedTask, RoutePatternFactory.Parse("/things/{id}"), 0,
            new EndpointMetadataCollection(handler.Method, new AcceptsQueryMetadata(["page"])), "things");

        var declared = QueryParameters.Of(endpoint)!;

        declared.Select(p => p.Name).ShouldBe(["limit", "q", "at", "tag", "page"]);
        declared.Single(p => p.Name == "tag").Repeatable.ShouldBeTrue();
        declared.Single(p => p.Name == "at").Problem("2026-11-22").ShouldNotBeNull();
        declared.Single(p => p.Name == "limit").Problem("12").ShouldBeNull();
    }
}
