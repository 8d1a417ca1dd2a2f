using Governance.Api.Tests.Harness;
using Microsoft.AspNetCore.Hosting;
using Npgsql;

namespace Governance.Api.Tests.Webhooks;

/// <summary>The service with loopback targets allowed and a retry schedule of seconds instead of hours.</summary>
public sealed class WebhooksApp : GovernanceApp
{
    /// <summary>The waits after each failed attempt in these tests.</summary>
    public const string RetrySchedule = "00:00:00.3,00:00:00.5,00:00:01,00:00:01,00:00:02";

    /// <inheritdoc />
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Governance:Webhooks:AllowPrivateNetworks", "true");
        builder.UseSetting("Governance:Webhooks:RetrySchedule", RetrySchedule);
    }

    /// <summary>Subscribes <paramref name="url"/> and returns (id, secret).</summary>
    public async Task<(string Id, string Secret)> SubscribeAsync(string url, string[] events, string? model = null)
    {
        var created = await Scenario(s => s.Post.Json(new { url, events, model, description = "test" }).ToUrl("/api/v1/webhooks").StatusCodeShouldBe(201));
        return (created.Json.GetProperty("id").GetString()!, created.Json.GetProperty("secret").GetString()!);
    }

    /// <summary>One value from the database.</summary>
    public async Task<object?> ScalarAsync(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters)
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = p });
        }

        return await cmd.ExecuteScalarAsync();
    }
}
