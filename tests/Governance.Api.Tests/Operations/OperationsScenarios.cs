using System.Net;
using System.Net.Http.Json;
using Governance.Api.Tests.Harness;

namespace Governance.Api.Tests.Operations;

/// <summary>Short ways to put operations things in place through the public API.</summary>
public static class OperationsScenarios
{
    /// <summary>
    /// A weekly Monday 10:00 Berlin rotation starting on the fake clock's first Monday (2026-11-23, 09:00Z); its members
    /// and shadows are made principals with the oncall role first, as the service requires.
    /// </summary>
    public static async Task<IScenarioResult> DefineRotationAsync(this GovernanceApp app, string team, string[] members, string[]? shadows = null,
        string timeZone = "Europe/Berlin", string handoffDay = "Monday", string handoffTime = "10:00", string shiftLength = "P7D", string startsOn = "2026-11-23")
    {
        await app.EnsureOnCallAsync([.. members, .. shadows ?? []]);
        return await app.Scenario(s =>
        {
            s.Put.Json(new { timeZone, handoffDay, handoffTime, shiftLength, members, shadows = shadows ?? [], startsOn }).ToUrl($"/api/v1/teams/{team}/rotation");
            s.StatusCodeShouldBe(200);
        });
    }

    /// <summary>Makes each name a principal with the oncall role, unless a principal of that name already exists.</summary>
    public static async Task EnsureOnCallAsync(this GovernanceApp app, params string[] names)
    {
        using var client = app.Client();
        foreach (var name in names.Distinct())
        {
            using var response = await client.PostAsJsonAsync("/api/v1/principals", new { name, roles = new[] { GovernanceApp.Role.OnCall } }, app.Json);
            if (response.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.Conflict))
            {
                throw new InvalidOperationException($"Creating on-call principal {name} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }
    }

    public static async Task<string> OpenIncidentAsync(this GovernanceApp app, string model, string severity = "SEV2", string? key = null, string source = "user-report")
    {
        var result = await app.Scenario(s =>
        {
            s.Post.Json(new { model, severity, title = "Scores drifted", description = "Approval rate fell by a third", source, category = "data-drift-natural" })
                .ToUrl("/api/v1/incidents");
            if (key is not null)
            {
                s.As(key);
            }

            s.StatusCodeShouldBe(201);
        });
        return result.Json.GetProperty("id").GetString()!;
    }

    public static async Task<string> FireAlertAsync(this GovernanceApp app, string rule, string model, string? dedupKey = null, string severity = "SEV3", int status = 201)
    {
        var result = await app.Scenario(s =>
        {
            s.Post.Json(new { rule, model, severity, dedupKey, summary = $"{rule} fired on {model}" }).ToUrl("/api/v1/alerts");
            s.StatusCodeShouldBe(status);
        });
        return result.Json.GetProperty("id").GetString()!;
    }
}
