using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Governance.Api.Tests.Harness;

namespace Governance.Api.Tests.Principals;

/// <summary>Keys that can be issued, revoked and re-roled, by the right people, effective on the very next request.</summary>
public sealed class KeyTests(GovernanceApp app) : IClassFixture<GovernanceApp>
{
    [Fact]
    public async Task a_principal_can_issue_itself_another_key_and_both_work()
    {
        var first = await app.CreatePrincipalAsync("kt-ann", "contributor");
        var issued = await app.Scenario(s =>
        {
            s.Post.Url("/api/v1/principals/kt-ann/keys").As(first);
            s.StatusCodeShouldBe(201);
            s.HeaderShouldBe("Location", "/api/v1/principals/kt-ann");
        });
        var keyId = issued.Json.GetProperty("keyId").GetString()!;
        var second = issued.Json.GetProperty("apiKey").GetString()!;
        keyId.ShouldMatch("^[0-9a-f]{16}$");
        second.ShouldStartWith("gov_");
        second.ShouldNotBe(first);

        await app.Scenario(s => s.Get.Url("/api/v1/principals/me").As(first).StatusCodeShouldBe(200));
        var me = await app.Scenario(s => s.Get.Url("/api/v1/principals/me").As(second).StatusCodeShouldBe(200));
        var keys = me.Json.GetProperty("keys").EnumerateArray().ToList();
        keys.Count.ShouldBe(2);
        keys.Single(k => k.TryGetProperty("current", out var c) && c.GetBoolean()).GetProperty("keyId").GetString().ShouldBe(keyId);
        me.Body.ShouldNotContain(second);
        me.Body.ShouldNotContain(first);
    }

    [Fact]
    public async Task a_revoked_key_is_refused_on_the_next_request_and_the_others_keep_working()
    {
        var first = await app.CreatePrincipalAsync("kt-bob", "viewer");
        var firstId = await CurrentKeyIdAsync(first);
        var second = (await IssueAsync("kt-bob", first)).ApiKey;

        await app.Scenario(s => s.Delete.Url($"/api/v1/principals/kt-bob/keys/{firstId}").StatusCodeShouldBe(204));

        var refused = await app.Scenario(s =>
        {
            s.Get.Url("/api/v1/principals/me").As(first);
            s.StatusCodeShouldBe(401);
            s.ShouldBeProblem();
        });
        refused.Json.GetProperty("detail").GetString()!.ShouldContain("revoked");
        await app.Scenario(s => s.Get.Url("/api/v1/principals/me").As(second).StatusCodeShouldBe(200));
        var view = await app.Scenario(s => s.Get.Url("/api/v1/principals/kt-bob").StatusCodeShouldBe(200));
        var revoked = view.Json.GetProperty("keys").EnumerateArray().Single(k => k.GetProperty("keyId").GetString() == firstId);
        revoked.GetProperty("revokedBy").GetString().ShouldBe("admin");
        revoked.TryGetProperty("revokedAt", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task a_principal_can_revoke_its_own_key_but_not_touch_another_principals_keys()
    {
        var carl = await app.CreatePrincipalAsync("kt-carl", "approver");
        var dora = await app.CreatePrincipalAsync("kt-dora", "approver");
        var doraId = await CurrentKeyIdAsync(dora);
        var before = await app.EventCountAsync();

        await app.Scenario(s => s.Delete.Url($"/api/v1/principals/kt-dora/keys/{doraId}").As(carl).StatusCodeShouldBe(403).ShouldBeProblem());
        await app.Scenario(s => s.Post.Url("/api/v1/principals/kt-dora/keys").As(carl).StatusCodeShouldBe(403).ShouldBeProblem());
        await app.Scenario(s => s.Post.Url("/api/v1/principals/nobody-at-all/keys").As(carl).StatusCodeShouldBe(403).ShouldBeProblem());
        (await app.EventCountAsync()).ShouldBe(before);
        await app.Scenario(s => s.Get.Url("/api/v1/principals/me").As(dora).StatusCodeShouldBe(200));

        var spare = (await IssueAsync("kt-dora", dora)).ApiKey;
        await app.Scenario(s => s.Delete.Url($"/api/v1/principals/kt-dora/keys/{doraId}").As(dora).StatusCodeShouldBe(204));
        await app.Scenario(s => s.Get.Url("/api/v1/principals/me").As(dora).StatusCodeShouldBe(401));
        await app.Scenario(s => s.Get.Url("/api/v1/principals/me").As(spare).StatusCodeShouldBe(200));
    }

    [Fact]
    public async Task only_an_admin_changes_roles_and_the_change_holds_from_the_next_request()
    {
        var eve = await app.CreatePrincipalAsync("kt-eve", "viewer");
        await app.Scenario(s => s.Put.Json(new { roles = new[] { "admin" } }).ToUrl("/api/v1/principals/kt-eve/roles").As(eve).StatusCodeShouldBe(403).ShouldBeProblem());
        await app.Scenario(s => s.Get.Url("/api/v1/principals/kt-eve").As(eve).StatusCodeShouldBe(403));

        var changed = await app.Scenario(s => s.Put.Json(new { roles = new[] { "admin" } }).ToUrl("/api/v1/principals/kt-eve/roles").StatusCodeShouldBe(200));
        changed.Json.GetProperty("roles").EnumerateArray().Select(r => r.GetString()).ShouldBe(["admin"]);
        changed.Json.GetProperty("effectiveRoles").EnumerateArray().Select(r => r.GetString()).ShouldContain("approver");
        await app.Scenario(s => s.Get.Url("/api/v1/principals/kt-eve").As(eve).StatusCodeShouldBe(200));

        await app.Scenario(s => s.Put.Json(new { roles = new[] { "viewer" } }).ToUrl("/api/v1/principals/kt-eve/roles").StatusCodeShouldBe(200));
        await app.Scenario(s => s.Get.Url("/api/v1/principals/kt-eve").As(eve).StatusCodeShouldBe(403));
    }

    [Fact]
    public async Task issuing_revoking_and_changing_roles_are_events_that_name_the_actor()
    {
        var ops = await app.CreatePrincipalAsync("kt-ops", "admin");
        var fay = await app.CreatePrincipalAsync("kt-fay", "viewer");
        var fayId = await CurrentKeyIdAsync(fay);
        var issued = await IssueAsync("kt-fay", fay);
        await app.Scenario(s => s.Delete.Url($"/api/v1/principals/kt-fay/keys/{fayId}").As(ops).StatusCodeShouldBe(204));
        await app.Scenario(s => s.Put.Json(new { roles = new[] { "oncall" } }).ToUrl("/api/v1/principals/kt-fay/roles").As(ops).StatusCodeShouldBe(200));

        var stream = await app.Scenario(s => s.Get.Url("/api/v1/streams/principal-kt-fay/events").StatusCodeShouldBe(200));
        var events = stream.Json.GetProperty("events").EnumerateArray().ToList();
        events.Select(e => e.GetProperty("type").GetString()).ShouldBe(
            ["principal_created", "principal_key_issued", "principal_key_revoked", "principal_roles_changed"]);
        events.Select(e => e.GetProperty("metadata").GetProperty("actor").GetString()).ShouldBe(["admin", "kt-fay", "kt-ops", "kt-ops"]);
        events[0].GetProperty("data").GetProperty("keyId").GetString().ShouldBe(fayId);
        events[1].GetProperty("data").GetProperty("keyId").GetString().ShouldBe(issued.KeyId);
        events[2].GetProperty("data").GetProperty("keyId").GetString().ShouldBe(fayId);
        events[3].GetProperty("data").GetProperty("roles").EnumerateArray().Select(r => r.GetString()).ShouldBe(["oncall"]);
        events[3].GetProperty("data").GetProperty("previousRoles").EnumerateArray().Select(r => r.GetString()).ShouldBe(["viewer"]);
    }

    [Fact]
    public async Task neither_the_audit_feed_nor_a_stream_read_shows_a_key_or_its_hash()
    {
        var key = await app.CreatePrincipalAsync("kt-gus", "viewer");
        var keyId = await CurrentKeyIdAsync(key);
        var another = await IssueAsync("kt-gus", key);
        await app.Scenario(s => s.Delete.Url($"/api/v1/principals/kt-gus/keys/{keyId}").StatusCodeShouldBe(204));

        var stream = await app.Scenario(s => s.Get.Url("/api/v1/streams/principal-kt-gus/events").StatusCodeShouldBe(200));
        var feed = await Eventually(
            () => app.Scenario(s => s.Get.Url("/api/v1/audit/events?type=principal_key_revoked&limit=1000").StatusCodeShouldBe(200)),
            page => page.Body.Contains(keyId, StringComparison.Ordinal));
        var created = await Eventually(
            () => app.Scenario(s => s.Get.Url("/api/v1/audit/events?actor=admin&limit=1000").StatusCodeShouldBe(200)),
            page => page.Body.Contains("principal-kt-gus", StringComparison.Ordinal));
        foreach (var body in new[] { stream.Body, feed.Body, created.Body })
        {
            foreach (var secret in new[] { key, another.ApiKey })
            {
                body.ShouldNotContain(secret);
                body.ShouldNotContain(Sha256Hex(secret), Case.Insensitive);
                body.ShouldNotContain(Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(secret))));
            }

            body.ShouldNotContain("keyHash", Case.Insensitive);
        }
    }

    [Fact]
    public async Task revoking_a_revoked_key_again_changes_nothing()
    {
        var key = await app.CreatePrincipalAsync("kt-hal", "viewer");
        var keyId = await CurrentKeyIdAsync(key);
        await app.Scenario(s => s.Delete.Url($"/api/v1/principals/kt-hal/keys/{keyId}").StatusCodeShouldBe(204));
        var before = await app.EventCountAsync();
        await app.Scenario(s => s.Delete.Url($"/api/v1/principals/kt-hal/keys/{keyId}").StatusCodeShouldBe(204));
        (await app.EventCountAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task unknown_principals_keys_and_roles_are_refused_with_a_reason_and_nothing_appended()
    {
        await app.CreatePrincipalAsync("kt-ida", "viewer");
        var before = await app.EventCountAsync();
        await app.Scenario(s => s.Post.Url("/api/v1/principals/kt-nobody/keys").StatusCodeShouldBe(404).ShouldBeProblem());
        await app.Scenario(s => s.Delete.Url("/api/v1/principals/kt-nobody/keys/0123456789abcdef").StatusCodeShouldBe(404).ShouldBeProblem());
        await app.Scenario(s => s.Delete.Url("/api/v1/principals/kt-ida/keys/0123456789abcdef").StatusCodeShouldBe(404).ShouldBeProblem());
        await app.Scenario(s => s.Put.Json(new { roles = new[] { "viewer" } }).ToUrl("/api/v1/principals/kt-nobody/roles").StatusCodeShouldBe(404).ShouldBeProblem());
        var bad = await app.Scenario(s => s.Put.Json(new { roles = new[] { "root" } }).ToUrl("/api/v1/principals/kt-ida/roles").StatusCodeShouldBe(400).ShouldBeProblem());
        bad.Body.ShouldContain("viewer, contributor, approver, oncall, admin");
        await app.Scenario(s => s.Put.Json(new { roles = Array.Empty<string>() }).ToUrl("/api/v1/principals/kt-ida/roles").StatusCodeShouldBe(400).ShouldBeProblem());
        (await app.EventCountAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task a_principal_holds_at_most_ten_working_keys()
    {
        var key = await app.CreatePrincipalAsync("kt-jon", "viewer");
        for (var i = 1; i < 10; i++)
        {
            await IssueAsync("kt-jon", key);
        }

        await app.Scenario(s => s.Post.Url("/api/v1/principals/kt-jon/keys").As(key).StatusCodeShouldBe(409).ShouldBeProblem());
        var firstId = await CurrentKeyIdAsync(key);
        await app.Scenario(s => s.Delete.Url($"/api/v1/principals/kt-jon/keys/{firstId}").StatusCodeShouldBe(204));
        await app.Scenario(s => s.Post.Url("/api/v1/principals/kt-jon/keys").StatusCodeShouldBe(201));
    }

    private async Task<(string KeyId, string ApiKey)> IssueAsync(string name, string asKey)
    {
        var issued = await app.Scenario(s => s.Post.Url($"/api/v1/principals/{name}/keys").As(asKey).StatusCodeShouldBe(201));
        return (issued.Json.GetProperty("keyId").GetString()!, issued.Json.GetProperty("apiKey").GetString()!);
    }

    private async Task<string> CurrentKeyIdAsync(string key)
    {
        var me = await app.Scenario(s => s.Get.Url("/api/v1/principals/me").As(key).StatusCodeShouldBe(200));
        return me.Json.GetProperty("keys").EnumerateArray()
            .Single(k => k.TryGetProperty("current", out var current) && current.GetBoolean()).GetProperty("keyId").GetString()!;
    }

    private static string Sha256Hex(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static async Task<IScenarioResult> Eventually(Func<Task<IScenarioResult>> read, Func<IScenarioResult, bool> done)
    {
        for (var i = 0; ; i++)
        {
            var result = await read();
            if (done(result) || i == 100)
            {
                return result;
            }

            await Task.Delay(50);
        }
    }
}

/// <summary>Whatever admins do to keys and roles, someone can still administer the service.</summary>
public sealed class AdminLockoutTests(GovernanceApp app) : IClassFixture<GovernanceApp>
{
    [Fact]
    public async Task the_last_admin_keeps_a_working_key_and_the_admin_role()
    {
        var adminKeyId = await KeyIdOfAsync(GovernanceApp.AdminKey);
        var before = await app.EventCountAsync();
        var refused = await app.Scenario(s => s.Delete.Url($"/api/v1/principals/admin/keys/{adminKeyId}").StatusCodeShouldBe(409).ShouldBeProblem());
        refused.Json.GetProperty("detail").GetString()!.ShouldContain("At least one admin must keep a working key");
        await app.Scenario(s => s.Put.Json(new { roles = new[] { "viewer" } }).ToUrl("/api/v1/principals/admin/roles").StatusCodeShouldBe(409).ShouldBeProblem());
        (await app.EventCountAsync()).ShouldBe(before);

        // With a second admin, the first may step down; then the second is the one who must keep a key.
        var ops = await app.CreatePrincipalAsync("lock-ops", "admin");
        await app.Scenario(s => s.Put.Json(new { roles = new[] { "approver" } }).ToUrl("/api/v1/principals/admin/roles").As(ops).StatusCodeShouldBe(200));
        var opsKeyId = await KeyIdOfAsync(ops);
        await app.Scenario(s => s.Delete.Url($"/api/v1/principals/lock-ops/keys/{opsKeyId}").As(ops).StatusCodeShouldBe(409));

        var spare = await app.Scenario(s => s.Post.Url("/api/v1/principals/lock-ops/keys").As(ops).StatusCodeShouldBe(201));
        await app.Scenario(s => s.Delete.Url($"/api/v1/principals/lock-ops/keys/{opsKeyId}").As(ops).StatusCodeShouldBe(204));
        var opsNow = spare.Json.GetProperty("apiKey").GetString()!;
        await app.Scenario(s => s.Put.Json(new { roles = new[] { "admin" } }).ToUrl("/api/v1/principals/admin/roles").As(opsNow).StatusCodeShouldBe(200));
    }

    private async Task<string> KeyIdOfAsync(string key)
    {
        var me = await app.Scenario(s => s.Get.Url("/api/v1/principals/me").As(key).StatusCodeShouldBe(200));
        return me.Json.GetProperty("keys").EnumerateArray()
            .Single(k => k.TryGetProperty("current", out var current) && current.GetBoolean()).GetProperty("keyId").GetString()!;
    }
}

/// <summary>Two admins at once cannot lock everyone out: revocations of admin keys run one at a time.</summary>
public sealed class ConcurrentRevocationTests(GovernanceApp app) : IClassFixture<GovernanceApp>
{
    [Fact]
    public async Task two_admins_revoking_each_others_last_key_at_once_leave_one_of_them_in()
    {
        var a = await app.CreatePrincipalAsync("race-adm-a", "admin");
        var b = await app.CreatePrincipalAsync("race-adm-b", "admin");
        var aId = await KeyIdOfAsync(a);
        var bId = await KeyIdOfAsync(b);

        // Take the bootstrap admin out of the picture so that a and b are the only admins with keys.
        await app.Scenario(s => s.Put.Json(new { roles = new[] { "viewer" } }).ToUrl("/api/v1/principals/admin/roles").As(a).StatusCodeShouldBe(200));
        try
        {
            using var clientA = app.Client(a);
            using var clientB = app.Client(b);
            var statuses = await Task.WhenAll(
                clientA.DeleteAsync($"/api/v1/principals/race-adm-b/keys/{bId}"),
                clientB.DeleteAsync($"/api/v1/principals/race-adm-a/keys/{aId}"));
            statuses.Count(r => (int)r.StatusCode == 204).ShouldBe(1);

            var working = 0;
            foreach (var key in new[] { a, b })
            {
                var me = await app.Scenario(s => s.Get.Url("/api/v1/principals/me").As(key).IgnoreStatusCode());
                working += (int)me.StatusCode == 200 ? 1 : 0;
            }

            working.ShouldBe(1);
        }
        finally
        {
            var survivor = await app.Scenario(s => s.Get.Url("/api/v1/principals/me").As(a).IgnoreStatusCode());
            var key = (int)survivor.StatusCode == 200 ? a : b;
            await app.Scenario(s => s.Put.Json(new { roles = new[] { "admin" } }).ToUrl("/api/v1/principals/admin/roles").As(key).StatusCodeShouldBe(200));
        }
    }

    private async Task<string> KeyIdOfAsync(string key)
    {
        var me = await app.Scenario(s => s.Get.Url("/api/v1/principals/me").As(key).StatusCodeShouldBe(200));
        return me.Json.GetProperty("keys").EnumerateArray()
            .Single(k => k.TryGetProperty("current", out var current) && current.GetBoolean()).GetProperty("keyId").GetString()!;
    }
}
