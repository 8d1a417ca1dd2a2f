using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Governance.Api.Tests.Harness;

/// <summary>
/// An Alba-style HTTP scenario: describe the request and what the response should be; every failed
/// expectation is collected and reported in one exception with the response body.
/// </summary>
public sealed class Scenario(GovernanceApp app)
{
    private readonly List<Action<ScenarioResult, List<string>>> expectations = [];
    private readonly Dictionary<string, string> headers = new(StringComparer.OrdinalIgnoreCase);
    private HttpMethod method = HttpMethod.Get;
    private string url = "/";
    private HttpContent? content;
    private string? apiKey = GovernanceApp.AdminKey;

    /// <summary>A GET.</summary>
    public Scenario Get => WithMethod(HttpMethod.Get);

    /// <summary>A POST.</summary>
    public Scenario Post => WithMethod(HttpMethod.Post);

    /// <summary>A PUT.</summary>
    public Scenario Put => WithMethod(HttpMethod.Put);

    /// <summary>A DELETE.</summary>
    public Scenario Delete => WithMethod(HttpMethod.Delete);

    /// <summary>Any method.</summary>
    public Scenario WithMethod(HttpMethod value)
    {
        method = value;
        return this;
    }

    /// <summary>The URL (also <see cref="Url"/>).</summary>
    public Scenario ToUrl(string value)
    {
        url = value;
        return this;
    }

    /// <summary>The URL.</summary>
    public Scenario Url(string value) => ToUrl(value);

    /// <summary>A JSON body serialized the way the service reads it.</summary>
    public Scenario Json<T>(T body)
    {
        content = new StringContent(JsonSerializer.Serialize(body, app.Json), Encoding.UTF8, "application/json");
        return this;
    }

    /// <summary>A raw body, exactly as given.</summary>
    public Scenario Text(string body, string contentType = "application/json")
    {
        content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return this;
    }

    /// <summary>Raw bytes.</summary>
    public Scenario Bytes(byte[] body, string contentType = "application/json")
    {
        content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return this;
    }

    /// <summary>Authenticate with this key.</summary>
    public Scenario As(string key)
    {
        apiKey = key;
        return this;
    }

    /// <summary>No Authorization header.</summary>
    public Scenario Anonymous()
    {
        apiKey = null;
        return this;
    }

    /// <summary>A request header.</summary>
    public Scenario WithHeader(string name, string value)
    {
        headers[name] = value;
        return this;
    }

    /// <summary>Expects this status code.</summary>
    public Scenario StatusCodeShouldBe(int expected) => Expect((r, failures) =>
    {
        if ((int)r.StatusCode != expected)
        {
            failures.Add($"expected status {expected} but got {(int)r.StatusCode}");
        }
    });

    /// <summary>Expects a 2xx status.</summary>
    public Scenario StatusCodeShouldBeSuccess() => Expect((r, failures) =>
    {
        if ((int)r.StatusCode is < 200 or > 299)
        {
            failures.Add($"expected a 2xx status but got {(int)r.StatusCode}");
        }
    });

    /// <summary>Expects an RFC 7807 body.</summary>
    public Scenario ShouldBeProblem() => Expect((r, failures) =>
    {
        if (r.ContentType != "application/problem+json")
        {
            failures.Add($"expected application/problem+json but got '{r.ContentType}'");
            return;
        }

        if (!r.Json.TryGetProperty("status", out var status) || status.GetInt32() != (int)r.StatusCode)
        {
            failures.Add("the problem's status does not match the response status");
        }

        if (!r.Json.TryGetProperty("title", out _))
        {
            failures.Add("the problem has no title");
        }
    });

    /// <summary>Expects a response header value.</summary>
    public Scenario HeaderShouldBe(string name, string expected) => Expect((r, failures) =>
    {
        var actual = r.Header(name);
        if (actual != expected)
        {
            failures.Add($"expected header {name}: {expected} but got '{actual}'");
        }
    });

    /// <summary>Expects the body to contain a text.</summary>
    public Scenario BodyShouldContain(string text) => Expect((r, failures) =>
    {
        if (!r.Body.Contains(text, StringComparison.Ordinal))
        {
            failures.Add($"expected the body to contain '{text}'");
        }
    });

    /// <summary>Any other expectation: add a message to the list when it fails.</summary>
    public Scenario Expect(Action<ScenarioResult, List<string>> expectation)
    {
        expectations.Add(expectation);
        return this;
    }

    internal HttpRequestMessage BuildRequest()
    {
        var request = new HttpRequestMessage(method, url) { Content = content };
        if (apiKey is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + apiKey);
        }

        foreach (var (name, value) in headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return request;
    }

    internal void Verify(ScenarioResult result)
    {
        var failures = new List<string>();
        foreach (var expectation in expectations)
        {
            try
            {
                expectation(result, failures);
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException)
            {
                failures.Add($"could not check an expectation: {ex.Message}");
            }
        }

        if (failures.Count > 0)
        {
            throw new ScenarioAssertionException(
                $"{method} {url} failed {failures.Count} expectation(s):\n  - {string.Join("\n  - ", failures)}\n" +
                $"Response {(int)result.StatusCode} {result.ContentType}:\n{Truncate(result.Body)}");
        }
    }

    private static string Truncate(string body) => body.Length > 4000 ? body[..4000] + "…" : body;
}

/// <summary>All the failed expectations of a scenario.</summary>
public sealed class ScenarioAssertionException(string message) : Exception(message);

/// <summary>What came back.</summary>
public sealed class ScenarioResult(HttpStatusCode statusCode, HttpResponseHeaders headers, HttpContentHeaders contentHeaders, string body, JsonSerializerOptions json)
{
    private JsonElement? parsed;

    /// <summary>The status.</summary>
    public HttpStatusCode StatusCode { get; } = statusCode;

    /// <summary>The raw body.</summary>
    public string Body { get; } = body;

    /// <summary>The media type of the body.</summary>
    public string? ContentType => contentHeaders.ContentType?.MediaType;

    /// <summary>The body as JSON.</summary>
    public JsonElement Json => parsed ??= JsonDocument.Parse(Body).RootElement.Clone();

    /// <summary>A header of the response or its content.</summary>
    public string? Header(string name) =>
        headers.TryGetValues(name, out var values) ? string.Join(",", values)
        : contentHeaders.TryGetValues(name, out var contentValues) ? string.Join(",", contentValues) : null;

    /// <summary>The body deserialized.</summary>
    public T Read<T>() => JsonSerializer.Deserialize<T>(Body, json) ?? throw new InvalidOperationException("Empty body.");
}
