using System.Net;
using Governance.Web.Tests.Harness;
using Microsoft.Playwright;

namespace Governance.Web.Tests;

[Collection(WebCollection.Name)]
public sealed class SessionTests(WebApp app)
{
    [Fact]
    public async Task signing_in_opens_a_server_side_session_whose_cookie_is_not_the_key()
    {
        var page = await app.NewPageAsync();
        await page.GotoAsync("/inbox");
        page.Url.ShouldContain("/sign-in?returnUrl=%2Finbox");
        await WebApp.ScreenshotAsync(page, "sign-in");

        await page.GetByLabel("API key").FillAsync(app.Keys["alex"]);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        page.Url.ShouldEndWith("/inbox");
        (await page.Locator("header").InnerTextAsync()).ShouldContain("Signed in as alex");
        var session = (await page.Context.CookiesAsync()).Single(c => c.Name == "governance_session");
        session.HttpOnly.ShouldBeTrue();
        session.SameSite.ShouldBe(SameSiteAttribute.Strict);
        session.Value.ShouldNotContain(app.Keys["alex"]);
        (await page.Context.CookiesAsync()).ShouldAllBe(c => !c.Value.Contains(app.Keys["alex"]));
    }

    [Fact]
    public async Task an_unknown_key_is_refused_on_the_sign_in_page()
    {
        var page = await app.NewPageAsync();
        await page.GotoAsync("/sign-in");
        await page.GetByLabel("API key").FillAsync("gov_not-a-key");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        (await page.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldBe("That key is not known or has been revoked.");
        (await page.Context.CookiesAsync()).ShouldNotContain(c => c.Name == "governance_session");
    }

    [Fact]
    public async Task signing_out_ends_the_session_on_the_server()
    {
        var page = await app.SignedInAsync("sam");
        var cookie = (await page.Context.CookiesAsync()).Single(c => c.Name == "governance_session");

        await page.GetByRole(AriaRole.Link, new() { Name = "Sign out" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();

        page.Url.ShouldEndWith("/sign-in");
        await page.GotoAsync("/inbox");
        page.Url.ShouldContain("/sign-in");

        // The old cookie, replayed, opens nothing: the session is gone from the database, not only from the browser.
        var replay = await app.NewPageAsync();
        await replay.Context.AddCookiesAsync([new Microsoft.Playwright.Cookie { Name = cookie.Name, Value = cookie.Value, Domain = cookie.Domain, Path = "/" }]);
        await replay.GotoAsync("/inbox");
        replay.Url.ShouldContain("/sign-in");
    }

    [Fact]
    public async Task revoking_the_key_ends_its_sessions()
    {
        var created = await app.SendAsync("admin", "POST", "/api/v1/principals", new { name = "kim-" + Guid.NewGuid().ToString("N")[..6], roles = new[] { "viewer" } });
        var name = created.GetProperty("name").GetString()!;
        app.Keys[name] = created.GetProperty("apiKey").GetString()!;
        var page = await app.SignedInAsync(name);
        await page.GotoAsync("/models");
        page.Url.ShouldEndWith("/models");

        var keyId = (await app.SendAsync("admin", "GET", $"/api/v1/principals/{name}")).GetProperty("keys")[0].GetProperty("keyId").GetString();
        await app.SendAsync("admin", "DELETE", $"/api/v1/principals/{name}/keys/{keyId}");

        await page.GotoAsync("/models");
        page.Url.ShouldContain("/sign-in");
    }

    [Fact]
    public async Task the_session_cookie_opens_the_pages_but_never_the_api()
    {
        var (id, _) = await app.PendingPromotionAsync();
        var page = await app.SignedInAsync("alex");

        var api = await page.Context.APIRequest.PostAsync($"/api/v1/promotions/{id}/approvals", new() { DataObject = new { comment = "via cookie" } });

        api.Status.ShouldBe((int)HttpStatusCode.Unauthorized);
        (await app.SendAsync("admin", "GET", $"/api/v1/promotions/{id}")).GetProperty("approvals").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task a_form_posted_without_its_antiforgery_token_is_refused()
    {
        var (id, _) = await app.PendingPromotionAsync();
        var page = await app.SignedInAsync("alex");

        var forged = await page.Context.APIRequest.PostAsync($"/promotions/{id}?handler=Approve",
            new() { Form = page.Context.APIRequest.CreateFormData().Set("Comment", "forged") });

        forged.Status.ShouldBe((int)HttpStatusCode.BadRequest);
        (await app.SendAsync("admin", "GET", $"/api/v1/promotions/{id}")).GetProperty("approvals").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task pages_carry_a_content_security_policy_without_inline_scripts()
    {
        var page = await app.NewPageAsync();
        var response = await page.GotoAsync("/sign-in");

        var csp = (await response!.AllHeadersAsync())["content-security-policy"];
        csp.ShouldContain("script-src 'self'");
        csp.ShouldNotContain("unsafe-inline");
        csp.ShouldContain("frame-ancestors 'none'");
        (await page.Locator("script:not([src])").CountAsync()).ShouldBe(0);
        (await page.Locator("[style]").CountAsync()).ShouldBe(0);
    }
}
