using System.Net;
using System.Text.RegularExpressions;
using Governance.Api.Tests.Harness;
using Governance.Api.Tests.Registry;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Governance.Api.Tests.Docs;

/// <summary>The human pages: signed in once with a key, readable, and never a way to run a command.</summary>
public sealed partial class DocsPagesTests(GovernanceApp app) : IClassFixture<GovernanceApp>
{
    [Fact]
    public async Task a_browser_without_a_key_is_sent_to_sign_in()
    {
        using var browser = Browser();
        using var response = await browser.GetAsync("/docs");
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.ToString().ShouldStartWith("/docs/sign-in");
    }

    [Fact]
    public async Task signing_in_with_a_key_opens_the_pages_but_not_the_commands()
    {
        await app.RegisterModelAsync("pages-model");
        var reader = await app.CreatePrincipalAsync("pages-reader", "viewer");
        using var browser = Browser();

        var form = await browser.GetStringAsync("/docs/sign-in");
        var token = AntiforgeryField().Match(form);
        token.Success.ShouldBeTrue();
        using var signIn = await browser.PostAsync("/docs/sign-in", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            [token.Groups[1].Value] = token.Groups[2].Value,
            ["key"] = reader,
            ["returnUrl"] = "/docs/models/pages-model",
        }));
        signIn.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        signIn.Headers.Location!.ToString().ShouldBe("/docs/models/pages-model");

        var index = await browser.GetStringAsync("/docs");
        index.ShouldContain("/docs/models/pages-model");
        var page = await browser.GetStringAsync("/docs/models/pages-model");
        page.ShouldContain(">Overview</h2>");
        page.ShouldContain("As of");

        using var command = await browser.PostAsync("/api/v1/models/pages-model/notes",
            new StringContent("""{"title":"t","body":"b"}""", System.Text.Encoding.UTF8, "application/json"));
        command.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        using var api = await browser.GetAsync("/api/v1/models/pages-model");
        api.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task an_unknown_key_does_not_sign_in_and_return_urls_stay_local()
    {
        using var browser = Browser();
        var form = await browser.GetStringAsync("/docs/sign-in?returnUrl=https://evil.example/");
        form.ShouldNotContain("evil.example");
        var token = AntiforgeryField().Match(form);
        using var signIn = await browser.PostAsync("/docs/sign-in", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            [token.Groups[1].Value] = token.Groups[2].Value,
            ["key"] = "gov_wrong",
        }));
        signIn.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task text_written_by_people_cannot_put_scripts_images_or_script_links_into_the_page()
    {
        await app.RegisterModelAsync("pages-xss");
        await app.Scenario(s => s.Post.Json(new
        {
            title = "<script>alert(1)</script>",
            body = "[click me](javascript:alert(1)) ![x](https://evil.example/x.png) <img src=x onerror=alert(1)>",
        }).ToUrl("/api/v1/models/pages-xss/notes").StatusCodeShouldBe(201));
        var page = await app.Scenario(s => s.Get.Url("/api/v1/docs/models/pages-xss").WithHeader("Accept", "text/html").StatusCodeShouldBe(200));
        page.Body.ShouldNotContain("<script>");
        page.Body.ShouldNotContain("javascript:alert(1)\"");
        page.Body.ShouldNotContain("href=\"javascript");
        page.Body.ShouldNotContain("<img");
        page.Header("Content-Security-Policy")!.ShouldContain("default-src 'none'");
    }

    [Fact]
    public async Task a_link_to_an_event_on_a_page_opens_that_event_in_the_browser()
    {
        await app.RegisterModelAsync("pages-links");
        var reader = await app.CreatePrincipalAsync("pages-linker", "viewer");
        using var browser = Browser();
        await SignInAsync(browser, reader);
        await app.WaitForNonStaleProjectionsAsync();

        var page = await browser.GetStringAsync("/docs/models/pages-links");
        var link = PageEventLink().Match(page);
        link.Success.ShouldBeTrue(page);
        link.Groups[1].Value.ShouldBe("/docs/streams/model-pages-links?fromVersion=1&amp;toVersion=1");
        var events = await browser.GetStringAsync(System.Net.WebUtility.HtmlDecode(link.Groups[1].Value));
        events.ShouldContain("<code>model_registered</code>");
        events.ShouldContain("&quot;key&quot;: &quot;pages-links&quot;");

        using var missing = await browser.GetAsync("/docs/streams/model-never-was");
        missing.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using var backwards = await browser.GetAsync("/docs/streams/model-pages-links?fromVersion=2&toVersion=1");
        backwards.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    private async Task SignInAsync(HttpClient browser, string key)
    {
        var form = await browser.GetStringAsync("/docs/sign-in");
        var token = AntiforgeryField().Match(form);
        using var signIn = await browser.PostAsync("/docs/sign-in", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            [token.Groups[1].Value] = token.Groups[2].Value,
            ["key"] = key,
        }));
        signIn.StatusCode.ShouldBe(HttpStatusCode.Redirect);
    }

    [GeneratedRegex("<a href=\"(/docs/streams/[^\"]+)\"><code>model_registered</code></a>")]
    private static partial Regex PageEventLink();

    private HttpClient Browser()
    {
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        client.DefaultRequestHeaders.Accept.ParseAdd("text/html");
        return client;
    }

    [GeneratedRegex("name=\"(__RequestVerificationToken[^\"]*)\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
