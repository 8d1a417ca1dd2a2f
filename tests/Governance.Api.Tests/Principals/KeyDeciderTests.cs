using System.Collections.Immutable;
using System.Text.Json;
using Governance.Api.Core.Auth;
using Governance.Api.Principals;
using Governance.EventLog;
using NodaTime;

namespace Governance.Api.Tests.Principals;

/// <summary>The rules for keys and roles, decided without I/O, table-driven.</summary>
public sealed class KeyDeciderTests
{
    private static readonly Instant Now = Instant.FromUtc(2026, 11, 23, 9, 0);
    private static readonly Actor Admin = new("root", Roles.Expand([Roles.Admin]));
    private static readonly Actor Pat = new("pat", Roles.Expand([Roles.Viewer]));

    private static Principal Holder(string name, string role, params (string Id, bool Live)[] keys) =>
        new(name, [role], keys.Select(k => new PrincipalKey(k.Id, "root", Now - Duration.FromDays(1), k.Live ? null : Now - Duration.FromHours(1))).ToImmutableList());

    [Theory]
    // role, live keys, other working admins → outcome
    [InlineData("admin", 1, 0, "conflict")]
    [InlineData("admin", 1, 1, "revoked")]
    [InlineData("admin", 2, 0, "revoked")]
    [InlineData("viewer", 1, 0, "revoked")]
    public void the_last_working_key_of_the_last_admin_stays(string role, int liveKeys, int otherAdmins, string expected)
    {
        var keys = Enumerable.Range(0, liveKeys).Select(i => ($"k{i}", true)).ToArray();
        var holder = Holder("pat", role, keys);
        var refusal = RevokeKey.Check(new RevokeKey("pat", "k0"), holder, otherAdmins, Admin);
        if (expected == "conflict")
        {
            refusal!.Status.ShouldBe(409);
            refusal.Detail.ShouldStartWith("At least one admin must keep a working key");
        }
        else
        {
            refusal.ShouldBeNull();
            RevokeKey.Decide(new RevokeKey("pat", "k0"), holder, Now, Admin).Single().ShouldBe(new PrincipalKeyRevoked("pat", "k0", "root", Now));
        }
    }

    [Fact]
    public void revoking_is_for_admins_and_for_ones_own_keys()
    {
        var pat = Holder("pat", Roles.Viewer, ("k0", true), ("k1", true));
        RevokeKey.Check(new RevokeKey("pat", "k0"), pat, 0, Pat).ShouldBeNull();
        RevokeKey.Check(new RevokeKey("pat", "k0"), pat, 0, new Actor("sam", Roles.Expand([Roles.Approver])))!.Status.ShouldBe(403);
        RevokeKey.Check(new RevokeKey("pat", "nope"), pat, 0, Pat)!.Status.ShouldBe(404);
        RevokeKey.Check(new RevokeKey("pat", "k0"), null, 0, Admin)!.Status.ShouldBe(404);
    }

    [Fact]
    public void revoking_a_revoked_key_changes_nothing()
    {
        var pat = Holder("pat", Roles.Viewer, ("k0", false), ("k1", true));
        RevokeKey.Check(new RevokeKey("pat", "k0"), pat, 0, Pat).ShouldBeNull();
        RevokeKey.Decide(new RevokeKey("pat", "k0"), pat, Now, Pat).ShouldBeEmpty();
    }

    [Theory]
    // current role, live keys, new roles, other working admins → outcome
    [InlineData("admin", 1, "viewer", 0, "conflict")]
    [InlineData("admin", 1, "viewer", 1, "changed")]
    [InlineData("admin", 0, "viewer", 0, "changed")]
    [InlineData("admin", 1, "admin", 0, "unchanged")]
    [InlineData("viewer", 1, "approver,oncall", 0, "changed")]
    public void roles_change_unless_that_leaves_no_admin_with_a_working_key(string role, int liveKeys, string roles, int otherAdmins, string expected)
    {
        var keys = Enumerable.Range(0, liveKeys).Select(i => ($"k{i}", true)).ToArray();
        var command = new ChangeRoles(roles.Split(','));
        var holder = Holder("pat", role, keys);
        var refusal = ChangeRoles.Check("pat", command, holder, otherAdmins);
        if (expected == "conflict")
        {
            refusal!.Status.ShouldBe(409);
            return;
        }

        refusal.ShouldBeNull();
        var events = ChangeRoles.Decide("pat", command, holder, Now, Admin);
        switch (expected)
        {
            case "unchanged":
                events.ShouldBeEmpty();
                break;
            default:
                var changed = events.Single().ShouldBeOfType<PrincipalRolesChanged>();
                changed.Roles.ShouldBe(roles.Split(','));
                changed.PreviousRoles.ShouldBe([role]);
                changed.ChangedBy.ShouldBe("root");
                break;
        }
    }

    [Fact]
    public void a_principal_holds_at_most_ten_working_keys_revoked_ones_do_not_count()
    {
        var full = Holder("pat", Roles.Viewer, [.. Enumerable.Range(0, 10).Select(i => ($"k{i}", true))]);
        IssueKey.Check(new IssueKey("pat"), full, Pat)!.Status.ShouldBe(409);
        var withRevoked = Holder("pat", Roles.Viewer, [.. Enumerable.Range(0, 10).Select(i => ($"k{i}", i > 0))]);
        IssueKey.Check(new IssueKey("pat"), withRevoked, Pat).ShouldBeNull();
        IssueKey.Decide(new IssueKey("pat"), "new", Now, Pat).Single().ShouldBe(new PrincipalKeyIssued("pat", "new", "pat", Now));
        IssueKey.Check(new IssueKey("pat"), withRevoked, new Actor("sam", Roles.Expand([Roles.Contributor])))!.Status.ShouldBe(403);
    }

    [Fact]
    public void bootstrapping_creates_the_admin_then_replaces_only_keys_it_issued_itself()
    {
        var created = BootstrapAdmin.Decide(null, "boot1", Now).Events.Single().ShouldBeOfType<PrincipalCreated>();
        created.Roles.ShouldBe([Roles.Admin]);
        created.KeyId.ShouldBe("boot1");

        var admin = new Principal("admin", [Roles.Admin], [
            new PrincipalKey("boot1", "system:bootstrap", Now),
            new PrincipalKey("byhand", "root", Now),
        ]);
        BootstrapAdmin.Decide(admin, "boot1", Now).Events.ShouldBeEmpty();
        BootstrapAdmin.Decide(admin, "boot2", Now).Events.ShouldBe([
            new PrincipalKeyIssued("admin", "boot2", "system:bootstrap", Now),
            new PrincipalKeyRevoked("admin", "boot1", "system:bootstrap", Now),
        ]);

        var revoked = admin with { Keys = [new PrincipalKey("boot1", "system:bootstrap", Now, Now)] };
        var plan = BootstrapAdmin.Decide(revoked, "boot1", Now);
        plan.Events.ShouldBeEmpty();
        plan.KeyWasRevoked.ShouldBeTrue();
    }

    [Fact]
    public void old_events_that_carried_a_key_hash_fold_into_keys_with_derived_ids()
    {
        var registry = new EventTypeRegistry();
        Principal.RegisterEvents(registry);
        var oldHash = new string('a', 64);
        var newHash = new string('b', 64);
        var created = JsonSerializer.Deserialize(
            $$"""{"name":"admin","roles":["admin"],"keyHash":"{{oldHash}}","createdBy":"system:bootstrap","createdAt":"2026-01-01T00:00:00Z"}""",
            registry.TypeOf("principal_created")!, EventJson.Options)!;
        var rotated = JsonSerializer.Deserialize(
            $$"""{"name":"admin","keyHash":"{{newHash}}","rotatedBy":"system:bootstrap","rotatedAt":"2026-02-01T00:00:00Z"}""",
            registry.TypeOf("principal_key_rotated")!, EventJson.Options)!;

        var state = new[] { created, rotated }.Select((data, i) => Stored(data, i + 1)).Aggregate(Principal.Initial, (s, e) => s.Evolve(e));

        state.Keys.Select(k => (k.KeyId, k.Live)).ShouldBe([(ApiKeys.LegacyKeyId(oldHash), false), (ApiKeys.LegacyKeyId(newHash), true)]);
        ApiKeys.LegacyKeyId(oldHash).ShouldMatch("^[0-9a-f]{16}$");
    }

    [Fact]
    public void new_events_carry_the_key_id_and_never_a_hash()
    {
        var registry = new EventTypeRegistry();
        Principal.RegisterEvents(registry);
        registry.NameOf(typeof(PrincipalCreated)).ShouldBe("principal_created");
        var json = JsonSerializer.Serialize(new PrincipalCreated("pat", ["viewer"], "0123456789abcdef", "root", Now), EventJson.Options);
        using var body = JsonDocument.Parse(json);
        body.RootElement.GetProperty("keyId").GetString().ShouldBe("0123456789abcdef");
        body.RootElement.TryGetProperty("keyHash", out _).ShouldBeFalse();
    }

    private static StoredEvent Stored(object data, int version) =>
        new(version, 1, Guid.NewGuid(), "principal-admin", Principal.StreamType, version, "", data, new EventMetadata("system:bootstrap"), Now, []);
}
