using System.Net;
using Governance.Api.Core.Auth;
using Governance.Api.Webhooks;
using NodaTime;

namespace Governance.Api.Tests.Webhooks;

/// <summary>The URL rules, the subscription decision and the signature, without the service.</summary>
public sealed class WebhookRuleTests
{
    private static readonly Actor Admin = new("admin", new HashSet<string> { Roles.Admin });
    private static readonly Instant Now = Instant.FromUtc(2026, 11, 23, 9, 0);

    [Theory]
    [InlineData("http://127.0.0.1:8080/hook")]
    [InlineData("http://localhost/hook")]
    [InlineData("http://api.localhost/hook")]
    [InlineData("http://10.1.2.3/hook")]
    [InlineData("http://172.20.0.5/hook")]
    [InlineData("http://192.168.1.10/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data")]
    [InlineData("http://100.64.0.1/hook")]
    [InlineData("http://0.0.0.0/hook")]
    [InlineData("http://[::1]/hook")]
    [InlineData("http://[fd00::1]/hook")]
    [InlineData("http://[fe80::1]/hook")]
    [InlineData("http://[::ffff:10.0.0.1]/hook")]
    public void private_and_loopback_targets_are_refused_unless_allowed(string url)
    {
        WebhookUrls.Problem(url, allowPrivateNetworks: false).ShouldBe(WebhookUrls.PrivateRefusal);
        WebhookUrls.Problem(url, allowPrivateNetworks: true).ShouldBeNull();
    }

    [Theory]
    [InlineData("https://hooks.example.com/governance")]
    [InlineData("http://203.0.113.7:8080/hook")]
    [InlineData("https://[2001:db8::1]/hook")]
    public void public_http_targets_are_accepted(string url) => WebhookUrls.Problem(url, allowPrivateNetworks: false).ShouldBeNull();

    [Theory]
    [InlineData("ftp://hooks.example.com/x")]
    [InlineData("file:///etc/passwd")]
    [InlineData("/relative")]
    [InlineData("https://user:secret@hooks.example.com/x")]
    [InlineData("https://hooks.example.com/x#frag")]
    public void other_targets_are_refused_with_a_reason(string url) => WebhookUrls.Problem(url, allowPrivateNetworks: true).ShouldNotBeNull();

    [Fact]
    public void the_decision_refuses_a_private_target_and_unknown_types_and_accepts_the_rest()
    {
        var known = new HashSet<string> { "promotion_approved", "model_registered" };
        SubscribeWebhook.Check(new SubscribeWebhook("http://10.0.0.1/x", ["*"], null, null), "wh_1", null, known, false, Admin)!.Status.ShouldBe(400);

        SubscribeWebhook.Check(new SubscribeWebhook("https://hooks.example.com/x", ["promotion_approved", "nope"], null, null), "wh_1", null, known, false, Admin)!
            .Detail.ShouldContain("nope");

        var accepted = new SubscribeWebhook("https://hooks.example.com/x", ["promotion_approved", "*"], "fraud", "d");
        SubscribeWebhook.Check(accepted, "wh_1", null, known, false, Admin).ShouldBeNull();
        SubscribeWebhook.Decide(accepted, "wh_1", "sec_1", Now, Admin).Single().ShouldBe(
            new WebhookSubscribed("wh_1", "https://hooks.example.com/x", ["*"], "fraud", "d", "sec_1", "admin", Now), new SubscribedComparer());

        var viewer = new Actor("vic", new HashSet<string> { Roles.Viewer });
        SubscribeWebhook.Check(new SubscribeWebhook("https://hooks.example.com/x", ["*"], null, null), "wh_1", null, known, false, viewer)!.Status.ShouldBe(403);
    }

    [Fact]
    public void a_rotation_keeps_the_old_secret_for_a_day_and_a_removed_webhook_cannot_rotate()
    {
        var state = Webhook.Initial with { Id = "wh_1", Status = WebhookStatus.Active, SecretId = "sec_old" };
        RotateWebhookSecret.Check(new RotateWebhookSecret("wh_1"), state, Admin).ShouldBeNull();
        var rotated = (WebhookSecretRotated)RotateWebhookSecret.Decide(new RotateWebhookSecret("wh_1"), state, "sec_new", Now, Admin).Single();
        rotated.PreviousSecretId.ShouldBe("sec_old");
        rotated.PreviousValidUntil.ShouldBe(Now + Duration.FromHours(24));
        RotateWebhookSecret.Check(new RotateWebhookSecret("wh_1"), state with { Status = WebhookStatus.Removed }, Admin)!.Status.ShouldBe(404);
        RemoveWebhook.Check(new RemoveWebhook("wh_1"), null, Admin)!.Status.ShouldBe(404);
    }

    [Fact]
    public void signatures_follow_standard_webhooks_and_verify_with_either_secret_during_a_rotation()
    {
        // The example of the Standard Webhooks reference libraries.
        const string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        const string body = """{"test": 2432232314}""";
        WebhookSignature.Sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body, [secret])
            .ShouldBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");

        const string other = "whsec_" + "c2Vjb25kIHNlY3JldCBvZiAzMiBieXRlcyBsb25nISE=";
        var both = WebhookSignature.Sign("evt", 1, "{}", [other, secret]);
        WebhookSignature.Verify("evt", 1, "{}", both, secret).ShouldBeTrue();
        WebhookSignature.Verify("evt", 1, "{}", both, other).ShouldBeTrue();
        WebhookSignature.Verify("evt", 2, "{}", both, secret).ShouldBeFalse();
        IPAddress.Parse("8.8.8.8").ShouldSatisfyAllConditions(a => WebhookUrls.IsPublic(a).ShouldBeTrue());
    }

    private sealed class SubscribedComparer : IEqualityComparer<object>
    {
        public new bool Equals(object? x, object? y) =>
            x is WebhookSubscribed a && y is WebhookSubscribed b && a with { Events = [] } == b with { Events = [] } && a.Events.SequenceEqual(b.Events);

        public int GetHashCode(object obj) => 0;
    }
}
