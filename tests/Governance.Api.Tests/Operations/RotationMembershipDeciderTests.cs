using Governance.Api.Core.Auth;
using Governance.Api.Rotations;
using Governance.EventLog;
using NodaTime;

namespace Governance.Api.Tests.Operations;

/// <summary>Who may be on call (principals holding oncall or admin) and who routing passes over, table-driven on the pure parts.</summary>
public sealed class RotationMembershipDeciderTests
{
    private static readonly Instant Now = Instant.FromUtc(2026, 11, 23, 9, 0);
    private static readonly Actor Lead = new("lead", Roles.Expand([Roles.OnCall]));

    private static readonly PagerFacts People = new(new Dictionary<string, IReadOnlyList<string>>
    {
        ["olga"] = [Roles.OnCall],
        ["root"] = [Roles.Admin],
        ["vic"] = [Roles.Viewer],
        ["carl"] = [Roles.Contributor],
        ["amy"] = [Roles.Approver],
        ["both"] = [Roles.Approver, Roles.OnCall],
    });

    private static DefineRotation Rotation(string[] members, string[]? shadows = null) =>
        new("Europe/Berlin", "Monday", "10:00", "P7D", members, shadows ?? [], "2026-11-23");

    public static TheoryData<string, string[], string[], string[]> DefineCases => new()
    {
        // case, members, shadows, fields refused (none: accepted)
        { "oncall members", ["olga", "both"], [], [] },
        { "an admin member and shadow", ["root"], ["root"], [] },
        { "an unknown member", ["olga", "ghost"], [], ["members[1]"] },
        { "a viewer member", ["vic"], [], ["members[0]"] },
        { "a contributor member", ["carl", "olga"], [], ["members[0]"] },
        { "an approver without oncall", ["amy"], [], ["members[0]"] },
        { "a viewer shadow", ["olga"], ["vic"], ["shadows[0]"] },
        { "every offender at once", ["ghost", "olga", "vic"], ["amy", "ghost"], ["members[0]", "members[2]", "shadows[0]", "shadows[1]"] },
    };

    [Theory]
    [MemberData(nameof(DefineCases))]
    public void members_and_shadows_must_be_principals_holding_oncall_or_admin(string name, string[] members, string[] shadows, string[] refused)
    {
        var refusal = DefineRotation.Check(Rotation(members, shadows), People);
        if (refused.Length == 0)
        {
            refusal.ShouldBeNull(name);
            DefineRotation.Decide(Rotation(members, shadows), "team", Now, Lead).Single().ShouldBeOfType<RotationDefined>(name);
            return;
        }

        refusal!.Status.ShouldBe(422, name);
        refusal.Errors!.Keys.Order().ShouldBe(refused.Order(), name);
    }

    [Fact]
    public void the_refusal_says_for_each_name_whether_it_is_unknown_or_lacks_the_role()
    {
        var error = DefineRotation.Check(Rotation(["ghost", "vic"]), People)!;
        error.Errors!["members[0]"].ShouldBe(["'ghost' is not a principal; create it with the oncall role first."]);
        error.Errors["members[1]"].ShouldBe(["'vic' has the role viewer, not oncall or admin, so could not acknowledge or act on an incident."]);
        error.Detail.ShouldContain("'ghost' is not a principal");
        error.Detail.ShouldContain("'vic' has the role viewer");
    }

    [Theory]
    [InlineData("olga", 0)]
    [InlineData("root", 0)]
    [InlineData("vic", 422)]
    [InlineData("ghost", 422)]
    public void whoever_covers_in_an_override_must_be_able_to_be_paged(string member, int status)
    {
        var state = Defined(["olga"]);
        var refusal = AddOverride.Check(new AddOverride(member, Now, Now + Duration.FromDays(1)), "team", People, state);
        (refusal?.Status ?? 0).ShouldBe(status);
        if (status != 0)
        {
            refusal!.Errors!.Keys.ShouldBe(["member"]);
        }
    }

    [Fact]
    public void an_override_on_a_team_without_a_rotation_is_404_before_anything_else() =>
        AddOverride.Check(new AddOverride("ghost", Now, Now + Duration.FromDays(1)), "team", People, null)!.Status.ShouldBe(404);

    public static TheoryData<string, string[], string, string?, string?> RoutingCases => new()
    {
        // case, who can still be paged, primary, secondary, shadow — rotation [ana, ben, cem], shadows [sid, tim], week 1: ana's
        { "everyone", ["ana", "ben", "cem", "sid", "tim"], "ana", "ben", "sid" },
        { "the primary lost the role", ["ben", "cem", "sid", "tim"], "ben", "cem", "sid" },
        { "the secondary lost the role", ["ana", "cem", "sid", "tim"], "ana", "cem", "sid" },
        { "only one left", ["cem"], "cem", null, null },
        { "the shadow lost the role", ["ana", "ben", "cem", "tim"], "ana", "ben", "tim" },
    };

    [Theory]
    [MemberData(nameof(RoutingCases))]
    public void routing_passes_over_people_who_can_no_longer_be_paged(string name, string[] pageable, string primary, string? secondary, string? shadow)
    {
        var rotation = Defined(["ana", "ben", "cem"], ["sid", "tim"]).WithPagerFacts(Facts(pageable));
        var onCall = rotation.At(Now + Duration.FromHours(1)).ShouldNotBeNull(name);
        (onCall.Primary, onCall.Secondary, onCall.Shadow).ShouldBe((primary, secondary, shadow), name);
    }

    [Fact]
    public void nobody_is_on_call_when_nobody_can_be_paged_and_an_override_by_someone_who_cannot_is_ignored()
    {
        var rotation = Defined(["ana", "ben"]);
        rotation = rotation.Evolve(Stored(new RotationOverrideAdded("team", "vic", Now, Now + Duration.FromDays(1), "lead", Now)));
        rotation.At(Now + Duration.FromHours(1))!.Primary.ShouldBe("vic");
        rotation.WithPagerFacts(Facts(["ana", "ben"])).At(Now + Duration.FromHours(1))!.Primary.ShouldBe("ana");
        rotation.WithPagerFacts(Facts([])).At(Now + Duration.FromHours(1)).ShouldBeNull();
        rotation.WithPagerFacts(Facts(["vic"])).At(Now + Duration.FromHours(1))!.Primary.ShouldBe("vic");
    }

    private static PagerFacts Facts(string[] pageable) =>
        new(pageable.ToDictionary(p => p, IReadOnlyList<string> (_) => [Roles.OnCall]));

    private static Rotation Defined(string[] members, string[]? shadows = null) =>
        Rotations.Rotation.Initial.Evolve(Stored(DefineRotation.Decide(Rotation(members, shadows), "team", Now, Lead).Single()));

    private static StoredEvent Stored(object data) => new(1, 1, Guid.NewGuid(), "rotation-team", "rotation", 1, "x", data, new EventMetadata("t"), Now, []);
}
