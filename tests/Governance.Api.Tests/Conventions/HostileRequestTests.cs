using System.Text;
using Governance.Api.Tests.Harness;

namespace Governance.Api.Tests.Conventions;

/// <summary>Malformed and hostile requests: every one gets a 4xx problem response and the log stays as it was.</summary>
public sealed class HostileRequestTests(GovernanceApp app) : IClassFixture<GovernanceApp>
{
    private const string Principals = "/api/v1/principals";

    /// <summary>One hostile request and the status it must get.</summary>
    public sealed record Hostile(string Name, HttpMethod Method, string Url, string? Body, string ContentType, string? Key, int Status, (string, string)? Header = null)
    {
        public override string ToString() => Name;
    }

    private static readonly string Admin = GovernanceApp.AdminKey;

    public static TheoryData<Hostile> Cases()
    {
        var post = HttpMethod.Post;
        var get = HttpMethod.Get;
        const string json = "application/json";
        var data = new TheoryData<Hostile>
        {
            new("no key", get, "/api/v1/audit/events", null, json, null, 401),
            new("basic auth instead of bearer", get, "/api/v1/audit/events", null, json, null, 401, ("Authorization", "Basic YWRtaW46YWRtaW4=")),
            new("unknown key", get, "/api/v1/audit/events", null, json, "gov_not-a-real-key", 401),
            new("empty bearer", get, "/api/v1/audit/events", null, json, null, 401, ("Authorization", "Bearer ")),
            new("oversized authorization header", get, "/api/v1/audit/events", null, json, null, 401, ("Authorization", "Bearer " + new string('k', 10_000))),
            new("sql in the key", get, "/api/v1/audit/events", null, json, "' OR '1'='1", 401),
            new("no key on a command", post, Principals, """{"name":"x","roles":["viewer"]}""", json, null, 401),
            new("truncated json", post, Principals, """{"name":""", json, Admin, 400),
            new("an array instead of an object", post, Principals, "[]", json, Admin, 400),
            new("json null", post, Principals, "null", json, Admin, 400),
            new("empty body", post, Principals, "", json, Admin, 400),
            new("a number for the name", post, Principals, """{"name":5,"roles":["viewer"]}""", json, Admin, 400),
            new("a boolean for the name", post, Principals, """{"name":true,"roles":["viewer"]}""", json, Admin, 400),
            new("a string for roles", post, Principals, """{"name":"x","roles":"admin"}""", json, Admin, 400),
            new("numbers for roles", post, Principals, """{"name":"x","roles":[1,2]}""", json, Admin, 400),
            new("null roles", post, Principals, """{"name":"x","roles":null}""", json, Admin, 400),
            new("no roles", post, Principals, """{"name":"x","roles":[]}""", json, Admin, 400),
            new("an unknown role", post, Principals, """{"name":"x","roles":["superuser"]}""", json, Admin, 400),
            new("an unknown field", post, Principals, """{"name":"x","roles":["viewer"],"isAdmin":true}""", json, Admin, 400),
            new("an actor field in the body", post, Principals, """{"name":"x","roles":["viewer"],"actor":"someone-else"}""", json, Admin, 400),
            new("a duplicated field", post, Principals, """{"name":"x","name":"admin","roles":["viewer"]}""", json, Admin, 400),
            new("a huge name", post, Principals, $$"""{"name":"{{new string('a', 100_000)}}","roles":["viewer"]}""", json, Admin, 400),
            new("sql in the name", post, Principals, """{"name":"x'; DROP TABLE governance.events; --","roles":["viewer"]}""", json, Admin, 400),
            new("path traversal in the name", post, Principals, """{"name":"../../etc/passwd","roles":["viewer"]}""", json, Admin, 400),
            new("a NUL character in the name", post, Principals, """{"name":"x\u0000y","roles":["viewer"]}""", json, Admin, 400),
            new("right-to-left override in the name", post, Principals, """{"name":"x\u202Eadmin","roles":["viewer"]}""", json, Admin, 400),
            new("html in the name", post, Principals, """{"name":"<script>alert(1)</script>","roles":["viewer"]}""", json, Admin, 400),
            new("deeply nested json", post, Principals, new string('[', 200) + new string(']', 200), json, Admin, 400),
            new("comments in json", post, Principals, """{/* hi */"name":"x","roles":["viewer"]}""", json, Admin, 400),
            new("trailing garbage after json", post, Principals, """{"name":"x","roles":["viewer"]} trailing""", json, Admin, 400),
            new("text/plain body", post, Principals, """{"name":"x","roles":["viewer"]}""", "text/plain", Admin, 415),
            new("xml body", post, Principals, "<principal name='x'/>", "application/xml", Admin, 415),
            new("form body", post, Principals, "name=x&roles=viewer", "application/x-www-form-urlencoded", Admin, 415),
            new("a body over the size limit", post, Principals, $$"""{"name":"x","roles":["viewer"],"pad":"{{new string('p', 2 * 1024 * 1024)}}"}""", json, Admin, 413),
            new("a garbage If-Match", post, Principals, """{"name":"ifmatch-garbage","roles":["viewer"]}""", json, Admin, 400, ("If-Match", "\"not-a-version\"")),
            new("an If-Match for a stream that does not exist", post, Principals, """{"name":"ifmatch-missing","roles":["viewer"]}""", json, Admin, 412, ("If-Match", "\"5\"")),
            new("creating the admin again", post, Principals, """{"name":"admin","roles":["viewer"]}""", json, Admin, 409),
            new("a garbage cursor", get, "/api/v1/audit/events?after=garbage", null, json, Admin, 400),
            new("a negative cursor", get, "/api/v1/audit/events?after=1.-5", null, json, Admin, 400),
            new("limit zero", get, "/api/v1/audit/events?limit=0", null, json, Admin, 400),
            new("limit too large", get, "/api/v1/audit/events?limit=100000", null, json, Admin, 400),
            new("limit not a number", get, "/api/v1/audit/events?limit=abc", null, json, Admin, 400),
            new("limit overflowing an int", get, "/api/v1/audit/events?limit=99999999999999999999", null, json, Admin, 400),
            new("from in words", get, "/api/v1/audit/events?from=yesterday", null, json, Admin, 400),
            new("an impossible date", get, "/api/v1/audit/events?to=2026-13-45T00:00:00Z", null, json, Admin, 400),
            new("a huge model filter", get, "/api/v1/audit/events?model=" + new string('m', 5000), null, json, Admin, 400),
            new("path traversal in a stream id", get, "/api/v1/streams/..%2F..%2Fetc%2Fpasswd/events", null, json, Admin, 404),
            new("sql in a stream id", get, "/api/v1/streams/'%20OR%201%3D1%20--/events", null, json, Admin, 404),
            new("a huge stream id", get, "/api/v1/streams/" + new string('s', 5000) + "/events", null, json, Admin, 404),
            new("an unknown route", get, "/api/v1/does-not-exist", null, json, Admin, 404),
            new("dot segments in the path", get, "/api/v1/../../etc/passwd", null, json, Admin, 404),
            new("delete on a collection", HttpMethod.Delete, Principals, null, json, Admin, 405),
            new("put on a query", HttpMethod.Put, "/api/v1/audit/verify", "{}", json, Admin, 405),
            new("an unknown principal", get, "/api/v1/principals/nobody-at-all", null, json, Admin, 404),
            new("a browser without a key", get, "/api/v1/models", null, json, null, 401, ("Accept", "text/html")),
            new("a browser on an unknown route", get, "/api/v1/nowhere", null, json, Admin, 404, ("Accept", "text/html")),
            new("a browser posting bad json", post, Principals, "{", json, Admin, 400, ("Accept", "text/html")),
            new("a client that accepts only xml", post, Principals, """{"name":"","roles":[]}""", json, Admin, 400, ("Accept", "application/xml")),
        };
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task a_hostile_request_gets_a_problem_and_changes_nothing(Hostile hostile)
    {
        var before = await app.EventCountAsync();

        await app.Scenario(s =>
        {
            s.WithMethod(hostile.Method).ToUrl(hostile.Url);
            if (hostile.Key is null)
            {
                s.Anonymous();
            }
            else
            {
                s.As(hostile.Key);
            }

            if (hostile.Body is not null)
            {
                s.Bytes(Encoding.UTF8.GetBytes(hostile.Body), hostile.ContentType);
            }

            if (hostile.Header is { } header)
            {
                s.WithHeader(header.Item1, header.Item2);
            }

            s.StatusCodeShouldBe(hostile.Status);
            s.ShouldBeProblem();
        });

        (await app.EventCountAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task the_table_covers_at_least_forty_hostile_requests() => Cases().Count.ShouldBeGreaterThanOrEqualTo(40);

    [Fact]
    public async Task invalid_utf8_gets_a_problem_and_changes_nothing()
    {
        var before = await app.EventCountAsync();
        byte[] body = [.. Encoding.UTF8.GetBytes("""{"name":"""), 0x22, 0xC3, 0x28, 0xFF, 0x22, .. Encoding.UTF8.GetBytes(""","roles":["viewer"]}""")];
        await app.Scenario(s =>
        {
            s.Post.Bytes(body).ToUrl(Principals);
            s.StatusCodeShouldBe(400);
            s.ShouldBeProblem();
        });
        (await app.EventCountAsync()).ShouldBe(before);
    }

    [Theory]
    [InlineData("viewer")]
    [InlineData("contributor")]
    [InlineData("approver")]
    [InlineData("oncall")]
    public async Task only_an_admin_can_create_principals(string role)
    {
        var key = await app.CreatePrincipalAsync($"only-admin-{role}", role);
        var before = await app.EventCountAsync();
        await app.Scenario(s =>
        {
            s.Post.Json(new { name = $"made-by-{role}", roles = new[] { "admin" } }).ToUrl(Principals).As(key);
            s.StatusCodeShouldBe(403);
            s.ShouldBeProblem();
        });
        (await app.EventCountAsync()).ShouldBe(before);
    }
}
