using Governance.Api.Tests.Harness;
using Governance.Api.Tests.Registry;

namespace Governance.Api.Tests.Promotions;

/// <summary>Short ways to put policies, promotions and deployments in place through the public API.</summary>
public static class PromotionScenarios
{
    /// <summary>Publishes a JSON policy (as admin) and returns its revision.</summary>
    public static async Task<int> PublishPolicyAsync(this GovernanceApp app, string model, object stages)
    {
        var result = await app.Scenario(s => s.Put.Json(new { stages }).ToUrl($"/api/v1/models/{model}/policy").StatusCodeShouldBe(200));
        return result.Json.GetProperty("revision").GetInt32();
    }

    /// <summary>Requests a promotion and returns the response (201 expected unless told).</summary>
    public static Task<IScenarioResult> RequestAsync(this GovernanceApp app, string model, string version, string target, string? key = null,
        int expected = 201, string[]? evidence = null, string? skipReason = null) =>
        app.Scenario(s =>
        {
            s.Post.Json(new { model, version, targetStage = target, justification = "Better recall on new users", evidence = evidence ?? [], skipReason })
                .ToUrl("/api/v1/promotions");
            if (key is not null)
            {
                s.As(key);
            }

            s.StatusCodeShouldBe(expected);
        });

    /// <summary>Requests a promotion that must pass its gates and returns its id.</summary>
    public static async Task<string> RequestPendingAsync(this GovernanceApp app, string model, string version, string target, string? key = null)
    {
        var result = await app.RequestAsync(model, version, target, key);
        result.Json.GetProperty("status").GetString().ShouldBe("pending", result.Body);
        return result.Json.GetProperty("id").GetString()!;
    }

    /// <summary>Approves as the holder of <paramref name="key"/>.</summary>
    public static Task<IScenarioResult> ApproveAsync(this GovernanceApp app, string id, string key, int expected = 200, string comment = "Looks good") =>
        app.Scenario(s => s.Post.Json(new { comment }).ToUrl($"/api/v1/promotions/{id}/approvals").As(key).StatusCodeShouldBe(expected));

    /// <summary>Deploys (as admin unless told).</summary>
    public static Task<IScenarioResult> DeployAsync(this GovernanceApp app, string id, int expected = 200, string? key = null) =>
        app.Scenario(s =>
        {
            s.Post.Json(new { }).ToUrl($"/api/v1/promotions/{id}/deployment").StatusCodeShouldBe(expected);
            if (key is not null)
            {
                s.As(key);
            }
        });

    /// <summary>Requests, approves with each key, and deploys a version into the next stage; returns the promotion id.</summary>
    public static async Task<string> PromoteAsync(this GovernanceApp app, string model, string version, string target, params string[] approverKeys)
    {
        var id = await app.RequestPendingAsync(model, version, target);
        foreach (var key in approverKeys)
        {
            await app.ApproveAsync(id, key);
        }

        await app.DeployAsync(id);
        return id;
    }

    /// <summary>A model with a version (registered by admin).</summary>
    public static async Task ModelWithVersionsAsync(this GovernanceApp app, string model, params string[] versions)
    {
        await app.RegisterModelAsync(model);
        foreach (var version in versions)
        {
            await app.RegisterVersionAsync(model, version);
        }
    }
}
