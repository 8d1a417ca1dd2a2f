using System.Text.Json;
using Governance.Api.Deployments;
using Microsoft.AspNetCore.Mvc;

namespace Governance.Api.Web.Pages.Models;

/// <summary>/models/{key}: stages with their versions, approvers and fallback, the deployment timeline (SVG), Roll back.</summary>
public sealed class ModelModel(Npgsql.NpgsqlDataSource db) : WebPage
{
    /// <summary>The model.</summary>
    [BindProperty(SupportsGet = true)]
    public string Key { get; set; } = "";

    /// <summary>Why the stage is rolled back.</summary>
    [BindProperty]
    public string? Reason { get; set; }

    /// <summary>The version to roll back to (the fallback when empty).</summary>
    [BindProperty]
    public string? ToVersion { get; set; }

    /// <summary>GET /api/v1/models/{key}.</summary>
    public JsonElement ModelView { get; private set; }

    /// <summary>GET /api/v1/models/{key}/versions.</summary>
    public IReadOnlyList<JsonElement> Versions { get; private set; } = [];

    /// <summary>The model's SLOs (id, name), read from the SLO read model: no API lists them.</summary>
    public IReadOnlyList<(string Id, string Name)> Slos { get; private set; } = [];

    /// <summary>The deployment timeline.</summary>
    public string TimelineSvg { get; private set; } = "";

    /// <summary>What was typed into the refused form, else nothing.</summary>
    public string? Typed(string form, string? value) => ProblemFor == form ? value : null;

    /// <summary>Shows the model.</summary>
    public async Task OnGetAsync([FromQuery] string? done, [FromQuery] string? stage)
    {
        Done = done == "rolledback" && stage is { Length: > 0 } ? $"{stage} is rolled back." : null;
        await LoadAsync();
    }

    /// <summary>Rolls a stage back.</summary>
    public async Task<IActionResult> OnPostRollBackAsync([FromQuery] string stage)
    {
        var answer = await Api.PostAsync(HttpContext, $"/api/v1/models/{Seg(Key)}/stages/{Seg(stage)}/rollback",
            new RollBackStage(string.IsNullOrWhiteSpace(ToVersion) ? null : ToVersion.Trim(), (Reason ?? "").Trim(), null));
        if (answer.Succeeded)
        {
            return Redirect($"/models/{Seg(Key)}?done=rolledback&stage={Seg(stage)}");
        }

        Refused(answer, stage);
        await LoadAsync();
        return Page();
    }

    private async Task LoadAsync()
    {
        var answer = await Api.GetAsync(HttpContext, $"/api/v1/models/{Seg(Key)}");
        if (!answer.Succeeded)
        {
            Problem ??= answer.Problem;
            Response.StatusCode = answer.Status;
            return;
        }

        ModelView = answer.Body;
        var versions = await Api.GetAsync(HttpContext, $"/api/v1/models/{Seg(Key)}/versions");
        Versions = versions.Succeeded && versions.Body.ValueKind == JsonValueKind.Array ? [.. versions.Body.EnumerateArray()]
            : [.. Each(versions.Body, "versions")];
        var entry = Text(ModelView, "entryStage");
        var lanes = new List<(string, IReadOnlyList<StageInterval>)>();
        foreach (var stage in Each(ModelView, "stages").Select(s => s.GetString() ?? "").Where(s => s != entry))
        {
            var history = await Api.GetAsync(HttpContext, $"/api/v1/models/{Seg(Key)}/stages/{Seg(stage)}/history");
            var intervals = (history.Body.ValueKind == JsonValueKind.Array ? history.Body.EnumerateArray() : Each(history.Body, "intervals"))
                .Select(i => new StageInterval(Text(i, "version"), InstantOf(Get(i, "from")) ?? Now, InstantOf(Get(i, "to")), Get(i, "rolledBack").ValueKind == JsonValueKind.True))
                .ToList();
            lanes.Add((stage, intervals));
        }

        TimelineSvg = Charts.DeploymentTimeline(lanes, Now, Zone);
        await using var cmd = db.CreateCommand("SELECT id, name FROM governance.slos WHERE model = $1 ORDER BY name LIMIT 100");
        cmd.Parameters.Add(new() { Value = Key });
        var slos = new List<(string, string)>();
        await using var reader = await cmd.ExecuteReaderAsync(HttpContext.RequestAborted);
        while (await reader.ReadAsync(HttpContext.RequestAborted))
        {
            slos.Add((reader.GetString(0), reader.GetString(1)));
        }

        Slos = slos;
    }
}
