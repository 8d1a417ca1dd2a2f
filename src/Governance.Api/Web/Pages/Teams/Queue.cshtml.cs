using System.Text.Json;
using Microsoft.AspNetCore.Mvc;

namespace Governance.Api.Web.Pages.Teams;

/// <summary>/teams/{team}/queue: the team's open incidents and alerts, with Acknowledge on each.</summary>
public sealed class QueueModel : WebPage
{
    /// <summary>The team.</summary>
    [BindProperty(SupportsGet = true)]
    public string Team { get; set; } = "";

    /// <summary>The acknowledgement's note.</summary>
    [BindProperty]
    public string? Note { get; set; }

    /// <summary>Whether an acknowledged alert was actionable.</summary>
    [BindProperty]
    public bool Actionable { get; set; }

    /// <summary>The queue's items as GET /api/v1/teams/{team}/queue answers them.</summary>
    public IReadOnlyList<JsonElement> Items { get; private set; } = [];

    /// <summary>What was typed into the refused form, else nothing.</summary>
    public string? Typed(string form, string? value) => ProblemFor == form ? value : null;

    /// <summary>Shows the queue.</summary>
    public async Task OnGetAsync([FromQuery] string? done, [FromQuery] string? id)
    {
        Done = done == "acknowledged" && id is { Length: > 0 } ? $"You acknowledged {id}." : null;
        await LoadAsync();
    }

    /// <summary>Acknowledges an incident or an alert.</summary>
    public async Task<IActionResult> OnPostAcknowledgeAsync([FromQuery] string id, [FromQuery] string kind)
    {
        var note = string.IsNullOrWhiteSpace(Note) ? null : Note.Trim();
        var answer = kind == "alert"
            ? await Api.PostAsync(HttpContext, $"/api/v1/alerts/{Seg(id)}/acknowledgement", new { actionable = Actionable, note })
            : await Api.PostAsync(HttpContext, $"/api/v1/incidents/{Seg(id)}/acknowledgement", new { note });
        if (answer.Succeeded)
        {
            return Redirect($"/teams/{Seg(Team)}/queue?done=acknowledged&id={Seg(id)}");
        }

        Refused(answer, id);
        await LoadAsync();
        return Page();
    }

    private async Task LoadAsync()
    {
        var answer = await Api.GetAsync(HttpContext, $"/api/v1/teams/{Seg(Team)}/queue");
        Items = [.. Each(answer.Body, "items")];
    }
}
