using System.Text.Json;

namespace Governance.Api.Web.Pages.Alerts;

/// <summary>/alerts/noise: the noise report, with a bar per rule.</summary>
public sealed class NoiseModel : WebPage
{
    /// <summary>GET /api/v1/alerts/noise.</summary>
    public IReadOnlyList<JsonElement> Rules { get; private set; } = [];

    /// <summary>The chart.</summary>
    public string ChartSvg { get; private set; } = "";

    /// <summary>Shows the report.</summary>
    public async Task OnGetAsync()
    {
        var answer = await Api.GetAsync(HttpContext, "/api/v1/alerts/noise");
        Rules = answer.Succeeded && answer.Body.ValueKind == JsonValueKind.Array ? [.. answer.Body.EnumerateArray()] : [.. Each(answer.Body, "rules")];
        ChartSvg = Charts.Noise([.. Rules.Select(r => new NoiseBar(Text(r, "rule"), Get(r, "fired").GetInt64(),
            Get(r, "ignoredPercent").ValueKind == JsonValueKind.Number ? Get(r, "ignoredPercent").GetDouble() : 0, Get(r, "noisy").ValueKind == JsonValueKind.True))]);
    }
}
