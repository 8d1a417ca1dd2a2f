using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Governance.Api.Tests.Harness;

/// <summary>
/// What our scenarios say that Alba does not: who calls (an API key, or nobody), raw bodies with their media type,
/// problem details, and the old chained style <c>s.Post.Json(x).ToUrl(u).As(key).StatusCodeShouldBe(201)</c>.
/// </summary>
public static class ScenarioExtensions
{
    // Alba hands out a SendExpression without a way back to its scenario; GovernanceApp.Scenario marks the scenario
    // being configured (on this thread, for the synchronous configure call) so that a chain can continue on it.
    [ThreadStatic]
    private static Scenario? configuring;

    internal static void Configure(Scenario scenario, Action<Scenario> configure)
    {
        var outer = configuring;
        configuring = scenario;
        try
        {
            configure(scenario);
        }
        finally
        {
            configuring = outer;
        }

        scenario.ConfigureHttpContext(AsOverTheWire);
    }

    private static void AsOverTheWire(HttpContext context)
    {
        // Alba says every request may have a body; over the wire only one with a length does (an empty POST is
        // bodiless to the endpoint, as under Kestrel and TestServer's own client).
        context.Features.Set<IHttpRequestBodyDetectionFeature>(new BodyDetection(context.Request.ContentLength > 0));

        // SendExpression.ToUrl puts the whole URL in the path: its query goes where a client would send it, as written.
        var path = context.Request.Path.Value ?? "";
        if (path.Contains('?', StringComparison.Ordinal))
        {
            var url = new Uri(new Uri("http://localhost"), path);
            context.Request.Path = PathString.FromUriComponent(url);
            context.Request.QueryString = QueryString.FromUriComponent(url);
        }
    }

    private sealed class BodyDetection(bool canHaveBody) : IHttpRequestBodyDetectionFeature
    {
        public bool CanHaveBody => canHaveBody;
    }

    /// <summary>Any method.</summary>
    public static IUrlExpression WithMethod(this Scenario scenario, HttpMethod method)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(method);
        scenario.ConfigureHttpContext(c => c.Request.Method = method.Method);
        return scenario;
    }

    /// <summary>The URL, query string included (Alba's <c>Url</c>; its <c>SendExpression.ToUrl</c> takes a path only).</summary>
    public static SendExpression ToUrl(this IUrlExpression request, string url)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Url(url);
    }

    /// <summary>A raw body, exactly as given, with its media type.</summary>
    public static SendExpression Text(this IUrlExpression request, string body, string contentType)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Bytes(Encoding.UTF8.GetBytes(body), contentType);
    }

    /// <summary>Raw bytes, with their media type.</summary>
    public static SendExpression Bytes(this IUrlExpression request, byte[] body, string contentType = "application/json")
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.ByteArray(body).ContentType(contentType);
    }

    /// <summary>Authenticate with this key instead of the admin's.</summary>
    public static Scenario As(this Scenario scenario, string key)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        scenario.WithBearerToken(key);
        return scenario;
    }

    /// <summary>No Authorization header.</summary>
    public static Scenario Anonymous(this Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        scenario.RemoveRequestHeader("Authorization");
        return scenario;
    }

    /// <summary>A request header (Alba's <c>WithRequestHeader</c>, chainable).</summary>
    public static Scenario WithHeader(this Scenario scenario, string name, string value)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        scenario.WithRequestHeader(name, value);
        return scenario;
    }

    /// <summary>Expects an RFC 7807 body whose status is the response's.</summary>
    public static Scenario ShouldBeProblem(this Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        return scenario.AssertThat(new ProblemAssertion());
    }

    /// <summary>Expects a response header value.</summary>
    public static Scenario HeaderShouldBe(this Scenario scenario, string name, string expected)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        scenario.Header(name).SingleValueShouldEqual(expected);
        return scenario;
    }

    /// <summary>Expects the body to contain a text.</summary>
    public static Scenario BodyShouldContain(this Scenario scenario, string text)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        return scenario.AssertThat(new BodyContains(text));
    }

    /// <summary>After the URL: <c>.ToUrl(u).As(key)</c>.</summary>
    public static SendExpression As(this SendExpression request, string key) => Continue(request, s => s.As(key));

    /// <summary>After the URL.</summary>
    public static SendExpression Anonymous(this SendExpression request) => Continue(request, s => s.Anonymous());

    /// <summary>After the URL.</summary>
    public static SendExpression WithHeader(this SendExpression request, string name, string value) => Continue(request, s => s.WithHeader(name, value));

    /// <summary>After the URL.</summary>
    public static SendExpression StatusCodeShouldBe(this SendExpression request, int expected) =>
        Continue(request, s => s.StatusCodeShouldBe((HttpStatusCode)expected));

    /// <summary>After the URL.</summary>
    public static SendExpression ShouldBeProblem(this SendExpression request) => Continue(request, s => s.ShouldBeProblem());

    /// <summary>After the URL.</summary>
    public static SendExpression HeaderShouldBe(this SendExpression request, string name, string expected) =>
        Continue(request, s => s.HeaderShouldBe(name, expected));

    /// <summary>After the URL.</summary>
    public static SendExpression BodyShouldContain(this SendExpression request, string text) => Continue(request, s => s.BodyShouldContain(text));

    /// <summary>After the URL: Alba answers 200 unless told otherwise; this checks no status at all.</summary>
    public static SendExpression IgnoreStatusCode(this SendExpression request) => Continue(request, s => s.IgnoreStatusCode());

    private static SendExpression Continue(SendExpression request, Action<Scenario> then)
    {
        ArgumentNullException.ThrowIfNull(request);
        then(configuring ?? throw new InvalidOperationException(
            "A chain after the URL continues on the scenario that GovernanceApp.Scenario is configuring; outside it, start a new statement on the scenario."));
        return request;
    }

    private sealed class ProblemAssertion : IScenarioAssertion
    {
        public void Assert(Scenario scenario, AssertionContext context)
        {
            var response = context.HttpContext.Response;
            var body = BodyOf(response);
            void Fail(string message)
            {
                context.AddFailure(message);
                context.ReadBodyAsString(); // shown with the failures
            }

            if (MediaType(response.ContentType) != "application/problem+json")
            {
                Fail($"Expected application/problem+json but got '{response.ContentType}'");
                return;
            }

            try
            {
                using var problem = JsonDocument.Parse(body);
                if (!problem.RootElement.TryGetProperty("status", out var status) || status.ValueKind != JsonValueKind.Number || status.GetInt32() != response.StatusCode)
                {
                    Fail("The problem's status does not match the response status");
                }

                if (!problem.RootElement.TryGetProperty("title", out _))
                {
                    Fail("The problem has no title");
                }
            }
            catch (JsonException ex)
            {
                Fail($"The problem is not JSON: {ex.Message}");
            }
        }
    }

    private sealed class BodyContains(string text) : IScenarioAssertion
    {
        public void Assert(Scenario scenario, AssertionContext context)
        {
            if (!BodyOf(context.HttpContext.Response).Contains(text, StringComparison.Ordinal))
            {
                context.AddFailure($"Expected the body to contain '{text}'");
                context.ReadBodyAsString();
            }
        }
    }

    // The server's response stream reads once; Alba's own body assertions consume it, so ours buffer it first and
    // the test can still read the result afterwards.
    private static string BodyOf(HttpResponse response)
    {
        if (!response.Body.CanSeek)
        {
            var buffered = new MemoryStream();
            response.Body.CopyTo(buffered);
            response.Body = buffered;
        }

        response.Body.Position = 0;
        using var reader = new StreamReader(response.Body, Encoding.UTF8, leaveOpen: true);
        var body = reader.ReadToEnd();
        response.Body.Position = 0;
        return body;
    }

    internal static string? MediaType(string? contentType) =>
        contentType is null ? null : Microsoft.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType).MediaType.Value;
}
