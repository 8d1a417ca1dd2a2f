using Governance.Api.Tests.Harness;

namespace Governance.Api.Tests.Principals;

/// <summary>API keys: made by admins, shown once, stored hashed, working at once.</summary>
public sealed class PrincipalTests(GovernanceApp app) : IClassFixture<GovernanceApp>
{
    [Fact]
    public async Task a_new_principal_can_use_its_key_at_once_and_sees_its_roles()
    {
        var key = await app.CreatePrincipalAsync("ivy", "approver");
        var me = await app.Scenario(s => s.Get.Url("/api/v1/principals/me").As(key).StatusCodeShouldBe(200));
        me.Json.GetProperty("name").GetString().ShouldBe("ivy");
        me.Json.GetProperty("roles").EnumerateArray().Select(r => r.GetString()).ShouldBe(["approver"]);
        me.Json.GetProperty("effectiveRoles").EnumerateArray().Select(r => r.GetString()).ShouldBe(["approver", "contributor", "viewer"]);
        me.Body.ShouldNotContain("gov_");
    }

    [Fact]
    public async Task the_key_is_stored_only_as_its_hash_and_events_name_it_by_id()
    {
        var key = await app.CreatePrincipalAsync("jack", "viewer");
        var stream = await app.Scenario(s => s.Get.Url("/api/v1/streams/principal-jack/events").StatusCodeShouldBe(200));
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)));
        stream.Body.ShouldNotContain(key);
        stream.Body.ShouldNotContain(hash);
        var data = stream.Json.GetProperty("events")[0].GetProperty("data");
        data.TryGetProperty("keyHash", out _).ShouldBeFalse();
        var keyId = data.GetProperty("keyId").GetString()!;

        await using var connection = new Npgsql.NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand("SELECT key_hash FROM governance.api_key_hashes WHERE key_id = $1", connection);
        cmd.Parameters.Add(new() { Value = keyId });
        Convert.ToHexStringLower((byte[])(await cmd.ExecuteScalarAsync())!).ShouldBe(hash);
    }

    [Fact]
    public async Task a_refused_creation_or_key_leaves_no_key_hash_behind()
    {
        await app.CreatePrincipalAsync("leo", "viewer");
        var before = await KeyHashCountAsync();

        await app.Scenario(s => s.Post.Json(new { name = "leo", roles = new[] { "viewer" } }).ToUrl("/api/v1/principals").StatusCodeShouldBe(409));
        await app.Scenario(s => s.Post.Json(new { name = "nobody-here", roles = new[] { "viewer" } }).ToUrl("/api/v1/principals")
            .WithHeader("If-Match", "\"4\"").StatusCodeShouldBe(412));
        await app.Scenario(s => s.Post.Url("/api/v1/principals/nobody-here/keys").StatusCodeShouldBe(404));

        (await KeyHashCountAsync()).ShouldBe(before);
    }

    private async Task<long> KeyHashCountAsync()
    {
        await using var connection = new Npgsql.NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand("SELECT count(*) FROM governance.api_key_hashes", connection);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task a_name_is_taken_once()
    {
        await app.CreatePrincipalAsync("kim", "viewer");
        await app.Scenario(s =>
        {
            s.Post.Json(new { name = "kim", roles = new[] { "admin" } }).ToUrl("/api/v1/principals");
            s.StatusCodeShouldBe(409);
            s.ShouldBeProblem();
        });
    }

    [Fact]
    public async Task concurrent_creations_of_one_name_give_one_principal()
    {
        using var client = app.Client();
        var attempts = Enumerable.Range(0, 8).Select(_ => client.PostAsync("/api/v1/principals",
            new StringContent("""{"name":"race-lee","roles":["viewer"]}""", System.Text.Encoding.UTF8, "application/json")));
        var responses = await Task.WhenAll(attempts);
        responses.Count(r => (int)r.StatusCode == 201).ShouldBe(1);
        responses.Count(r => (int)r.StatusCode == 409).ShouldBe(7);
        var stream = await app.Scenario(s => s.Get.Url("/api/v1/streams/principal-race-lee/events").StatusCodeShouldBe(200));
        stream.Json.GetProperty("version").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task admin_can_look_up_a_principal_but_others_cannot()
    {
        var viewer = await app.CreatePrincipalAsync("mia", "viewer");
        await app.Scenario(s => s.Get.Url("/api/v1/principals/mia").StatusCodeShouldBe(200));
        await app.Scenario(s => s.Get.Url("/api/v1/principals/mia").As(viewer).StatusCodeShouldBe(403).ShouldBeProblem());
    }
}
