using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Governance.Api.Tests.Harness;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Governance.Api.Tests.Docs;

/// <summary>Signing in to the pages opens a server-side session: the browser holds its id, never the key, and it dies with the key.</summary>
public sealed partial class SessionTests(GovernanceApp app) : IClassFixture<GovernanceApp>
{
    [Fact]
    public async Task the_session_cookie_holds_a_random_id_not_the_key_and_is_http_only_and_strict()
    {
        var key = await app.CreatePrincipalAsync("sess-ann", "viewer");
        var browser = new Browser(app);
        var setCookie = await browser.SignInAsync(key);

        setCookie.ShouldStartWith("governance_session=");
        setCookie.ShouldContain("httponly", Case.Insensitive);
        setCookie.ShouldContain("samesite=strict", Case.Insensitive);
        var value = browser.Cookies["governance_session"];
        value.Length.ShouldBeGreaterThanOrEqualTo(40);
        foreach (var form in new[] { key, key[4..], Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key))) })
        {
            string.Join(";", browser.Cookies.Values).ShouldNotContain(form);
        }

        (await browser.GetAsync("/docs")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task a_session_dies_when_the_key_it_was_opened_with_is_revoked()
    {
        var key = await app.CreatePrincipalAsync("sess-bob", "viewer");
        var browser = new Browser(app);
        await browser.SignInAsync(key);
        (await browser.GetAsync("/docs")).StatusCode.ShouldBe(HttpStatusCode.OK);

        var me = await app.Scenario(s => s.Get.Url("/api/v1/principals/me").As(key).StatusCodeShouldBe(200));
        await app.Scenario(s => s.Delete.Url($"/api/v1/principals/sess-bob/keys/{me.Json.GetProperty("keys")[0].GetProperty("keyId").GetString()}").StatusCodeShouldBe(204));

        var after = await browser.GetAsync("/docs");
        after.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        after.Headers.Location!.ToString().ShouldStartWith("/docs/sign-in");
    }

    [Fact]
    public async Task a_session_ends_when_the_principals_roles_change()
    {
        var key = await app.CreatePrincipalAsync("sess-cid", "viewer");
        var browser = new Browser(app);
        await browser.SignInAsync(key);
        (await browser.GetAsync("/docs")).StatusCode.ShouldBe(HttpStatusCode.OK);

        await app.Scenario(s => s.Put.Json(new { roles = new[] { "contributor" } }).ToUrl("/api/v1/principals/sess-cid/roles").StatusCodeShouldBe(200));

        (await browser.GetAsync("/docs")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        await browser.SignInAsync(key);
        (await browser.GetAsync("/docs")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task signing_out_deletes_the_session_on_the_server_not_only_the_cookie()
    {
        var key = await app.CreatePrincipalAsync("sess-dan", "viewer");
        var browser = new Browser(app);
        await browser.SignInAsync(key);
        var stolen = browser.Cookies["governance_session"];

        var page = await (await browser.GetAsync("/docs/sign-out")).Content.ReadAsStringAsync();
        var token = AntiforgeryField().Match(page);
        var signOut = await browser.PostFormAsync("/docs/sign-out", new() { [token.Groups[1].Value] = token.Groups[2].Value });
        signOut.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        browser.Cookies.ContainsKey("governance_session").ShouldBeFalse();

        var replay = new Browser(app);
        replay.Cookies["governance_session"] = stolen;
        (await replay.GetAsync("/docs")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
    }

    [Fact]
    public async Task a_signed_in_browser_can_sign_in_again_as_someone_else()
    {
        var first = await app.CreatePrincipalAsync("sess-hap", "viewer");
        var second = await app.CreatePrincipalAsync("sess-ike", "viewer");
        var browser = new Browser(app);
        await browser.SignInAsync(first);
        (await browser.GetAsync("/docs")).StatusCode.ShouldBe(HttpStatusCode.OK);
        await browser.SignInAsync(second);
        (await browser.GetAsync("/docs")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task a_session_lasts_twelve_hours()
    {
        var key = await app.CreatePrincipalAsync("sess-eli", "viewer");
        var browser = new Browser(app);
        await browser.SignInAsync(key);
        app.Clock.Advance(NodaTime.Duration.FromHours(11));
        try
        {
            (await browser.GetAsync("/docs")).StatusCode.ShouldBe(HttpStatusCode.OK);
            app.Clock.Advance(NodaTime.Duration.FromHours(1));
            (await browser.GetAsync("/docs")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        }
        finally
        {
            app.Clock.Reset(GovernanceApp.Start);
        }
    }

    [Fact]
    public async Task a_raw_key_in_the_old_cookie_opens_nothing()
    {
        var key = await app.CreatePrincipalAsync("sess-fox", "viewer");
        var browser = new Browser(app);
        browser.Cookies["governance_key"] = key;
        var page = await browser.GetAsync("/docs");
        page.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        page.Headers.Location!.ToString().ShouldStartWith("/docs/sign-in");
    }

    [Fact]
    public async Task a_session_cookie_does_not_run_commands()
    {
        var key = await app.CreatePrincipalAsync("sess-gil", "admin");
        var browser = new Browser(app);
        await browser.SignInAsync(key);
        var command = await browser.PostJsonAsync("/api/v1/principals", """{"name":"sess-made-by-cookie","roles":["admin"]}""");
        command.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await browser.GetAsync("/api/v1/principals/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [GeneratedRegex("name=\"(__RequestVerificationToken[^\"]*)\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    // A browser that keeps its cookies by hand, so the test sees exactly what the server sets.
    private sealed class Browser(GovernanceApp app)
    {
        private readonly HttpClient client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });

        public Dictionary<string, string> Cookies { get; } = [];

        public async Task<string> SignInAsync(string key)
        {
            var form = await (await GetAsync("/docs/sign-in")).Content.ReadAsStringAsync();
            var token = AntiforgeryField().Match(form);
            token.Success.ShouldBeTrue();
            var response = await PostFormAsync("/docs/sign-in", new() { [token.Groups[1].Value] = token.Groups[2].Value, ["key"] = key });
            response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
            return response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("governance_session=", StringComparison.Ordinal));
        }

        public Task<HttpResponseMessage> GetAsync(string url) => SendAsync(new HttpRequestMessage(HttpMethod.Get, url));

        public Task<HttpResponseMessage> PostFormAsync(string url, Dictionary<string, string> fields) =>
            SendAsync(new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(fields) });

        public Task<HttpResponseMessage> PostJsonAsync(string url, string json) =>
            SendAsync(new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(json, Encoding.UTF8, "application/json") });

        private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
        {
            request.Headers.Accept.ParseAdd("text/html");
            if (Cookies.Count > 0)
            {
                request.Headers.Add("Cookie", string.Join("; ", Cookies.Select(c => $"{c.Key}={c.Value}")));
            }

            var response = await client.SendAsync(request);
            foreach (var header in response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [])
            {
                var pair = header.Split(';')[0].Split('=', 2);
                var expired = header.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase) || header.Contains("max-age=0", StringComparison.OrdinalIgnoreCase);
                if (expired || pair[1].Length == 0)
                {
                    Cookies.Remove(pair[0]);
                }
                else
                {
                    Cookies[pair[0]] = pair[1];
                }
            }

            return response;
        }
    }
}
