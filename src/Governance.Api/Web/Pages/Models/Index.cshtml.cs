using System.Text.Json;

namespace Governance.Api.Web.Pages.Models;

/// <summary>/models: every model with what runs in each stage.</summary>
public sealed class ModelsModel : WebPage
{
    /// <summary>GET /api/v1/models.</summary>
    public IReadOnlyList<JsonElement> Models { get; private set; } = [];

    /// <summary>Every stage name in the order models list them (the table's columns).</summary>
    public IReadOnlyList<string> StageNames { get; private set; } = [];

    /// <summary>Shows the list.</summary>
    public async Task OnGetAsync()
    {
        var answer = await Api.GetAsync(HttpContext, "/api/v1/models");
        Models = answer.Succeeded && answer.Body.ValueKind == JsonValueKind.Array ? [.. answer.Body.EnumerateArray()] : [];
        StageNames = [.. Models.SelectMany(m => Each(m, "stages").Select(s => s.GetString() ?? "")).Distinct()];
    }
}
