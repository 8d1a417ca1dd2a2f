using System.Diagnostics;
using Governance.Api.Tests.Harness;

namespace Governance.Api.Tests.Conventions;

/// <summary>Health, OpenAPI, ETags, If-Match, metadata and spans: what every feature inherits.</summary>
public sealed class ConventionTests(GovernanceApp app) : IClassFixture<GovernanceApp>
{
    [Fact]
    public async Task health_needs_no_key_and_says_ready()
    {
        await app.Scenario(s =>
        {
            s.Get.Url("/health/live").Anonymous();
            s.StatusCodeShouldBe(200);
        });
        var ready = await app.Scenario(s =>
        {
            s.Get.Url("/health/ready").Anonymous();
            s.StatusCodeShouldBe(200);
        });
        ready.Json.GetProperty("database").GetBoolean().ShouldBeTrue();
        ready.Json.GetProperty("migrations").GetBoolean().ShouldBeTrue();
        ready.Json.GetProperty("daemon").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public async Task the_openapi_document_needs_no_key_and_describes_every_endpoint()
    {
        var doc = await app.Scenario(s =>
        {
            s.Get.Url("/openapi/v1.json").Anonymous();
            s.StatusCodeShouldBe(200);
        });
        var paths = doc.Json.GetProperty("paths");
        foreach (var path in new[] { "/api/v1/principals", "/api/v1/principals/me", "/api/v1/audit/events", "/api/v1/audit/verify", "/api/v1/streams/{streamId}/events" })
        {
            paths.TryGetProperty(path, out _).ShouldBeTrue($"{path} is missing from the OpenAPI document");
        }

        paths.GetProperty("/api/v1/principals").GetProperty("post").TryGetProperty("requestBody", out _).ShouldBeTrue();
        doc.Json.GetProperty("components").GetProperty("securitySchemes").TryGetProperty("bearer", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task a_command_returns_the_stream_version_as_etag()
    {
        await app.Scenario(s =>
        {
            s.Post.Json(new { name = "etag-carol", roles = new[] { "viewer" } }).ToUrl("/api/v1/principals");
            s.StatusCodeShouldBe(201);
            s.HeaderShouldBe("ETag", "\"1\"");
            s.HeaderShouldBe("Location", "/api/v1/principals/etag-carol");
        });
        await app.Scenario(s =>
        {
            s.Get.Url("/api/v1/streams/principal-etag-carol/events");
            s.StatusCodeShouldBe(200);
            s.HeaderShouldBe("ETag", "\"1\"");
        });
    }

    [Fact]
    public async Task an_if_match_that_does_not_match_the_stream_is_412_and_writes_nothing()
    {
        var before = await app.EventCountAsync();
        await app.Scenario(s =>
        {
            s.Post.Json(new { name = "ifmatch-dave", roles = new[] { "viewer" } }).ToUrl("/api/v1/principals").WithHeader("If-Match", "\"3\"");
            s.StatusCodeShouldBe(412);
            s.ShouldBeProblem();
        });
        (await app.EventCountAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task an_if_match_of_zero_means_the_stream_must_not_exist_yet()
    {
        await app.Scenario(s =>
        {
            s.Post.Json(new { name = "ifmatch-erin", roles = new[] { "viewer" } }).ToUrl("/api/v1/principals").WithHeader("If-Match", "\"0\"");
            s.StatusCodeShouldBe(201);
        });
    }

    [Fact]
    public async Task the_actor_is_the_authenticated_principal_with_correlation_and_client_headers()
    {
        var key = await app.CreatePrincipalAsync("meta-admin", "admin");
        await app.Scenario(s =>
        {
            s.Post.Json(new { name = "meta-frank", roles = new[] { "viewer" } }).ToUrl("/api/v1/principals").As(key)
                .WithHeader("X-Correlation-Id", "pipeline-run-42").WithHeader("User-Agent", "gov-cli/1.0");
            s.StatusCodeShouldBe(201);
        });

        var stream = await app.Scenario(s => s.Get.Url("/api/v1/streams/principal-meta-frank/events").StatusCodeShouldBe(200));
        var first = stream.Json.GetProperty("events")[0];
        first.GetProperty("metadata").GetProperty("actor").GetString().ShouldBe("meta-admin");
        first.GetProperty("metadata").GetProperty("correlationId").GetString().ShouldBe("pipeline-run-42");
        first.GetProperty("metadata").GetProperty("headers").GetProperty("userAgent").GetString().ShouldBe("gov-cli/1.0");
        first.GetProperty("data").GetProperty("createdBy").GetString().ShouldBe("meta-admin");
    }

    [Fact]
    public async Task decisions_take_their_time_from_the_injected_clock()
    {
        app.Clock.Reset(GovernanceApp.Start.Plus(NodaTime.Duration.FromDays(3)));
        await app.CreatePrincipalAsync("clock-gina", "viewer");
        var stream = await app.Scenario(s => s.Get.Url("/api/v1/streams/principal-clock-gina/events").StatusCodeShouldBe(200));
        stream.Json.GetProperty("events")[0].GetProperty("data").GetProperty("createdAt").GetString().ShouldBe("2026-11-26T09:00:00Z");
    }

    [Fact]
    public async Task every_command_gets_a_span_with_its_stream_and_event_types()
    {
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Governance",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { lock (spans) { spans.Add(a); } },
        };
        ActivitySource.AddActivityListener(listener);

        await app.CreatePrincipalAsync("span-hank", "viewer");

        Activity span;
        lock (spans)
        {
            span = spans.Last(a => (string?)a.GetTagItem("governance.stream.id") == "principal-span-hank");
        }

        span.OperationName.ShouldBe("CreatePrincipal");
        span.GetTagItem("governance.event.types").ShouldBe("PrincipalCreated");
    }

    [Fact]
    public async Task errors_say_what_went_wrong_per_field()
    {
        var result = await app.Scenario(s =>
        {
            s.Post.Json(new { name = "", roles = new[] { "root" } }).ToUrl("/api/v1/principals");
            s.StatusCodeShouldBe(400);
            s.ShouldBeProblem();
        });
        var errors = result.Json.GetProperty("errors");
        errors.TryGetProperty("name", out _).ShouldBeTrue();
        errors.TryGetProperty("roles[0]", out _).ShouldBeTrue();
    }
}
