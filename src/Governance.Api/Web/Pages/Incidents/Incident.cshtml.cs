using System.Globalization;
using System.Text.Json;
using Governance.Api.Incidents;
using Microsoft.AspNetCore.Mvc;

namespace Governance.Api.Web.Pages.Incidents;

/// <summary>What the postmortem form holds (one action item and an optional slice, as the API's body takes them).</summary>
public sealed class PostmortemForm
{
    public string? Summary { get; set; }
    public string? Impact { get; set; }
    public string? RootCause { get; set; }
    public string? Trigger { get; set; }
    public string? Lessons { get; set; }
    public string? ItemDescription { get; set; }
    public string? ItemType { get; set; }
    public string? ItemOwner { get; set; }
    public string? SliceSuite { get; set; }
    public string? SliceName { get; set; }
    public string? SliceMetric { get; set; }
    public string? SliceThreshold { get; set; }
}

/// <summary>/incidents/{id}: the incident, its timeline, Acknowledge, Mitigate, Resolve and the postmortem form.</summary>
public sealed class IncidentModel : WebPage
{
    /// <summary>The incident.</summary>
    [BindProperty(SupportsGet = true)]
    public string Id { get; set; } = "";

    /// <summary>The acknowledgement's note.</summary>
    [BindProperty]
    public string? Note { get; set; }

    /// <summary>The mitigation's action (rollback, fallback, filter, retrain, other).</summary>
    [BindProperty]
    public string? Action { get; set; }

    /// <summary>The mitigation's note.</summary>
    [BindProperty]
    public string? MitigationNote { get; set; }

    /// <summary>How it was resolved.</summary>
    [BindProperty]
    public string? Resolution { get; set; }

    /// <summary>The postmortem form.</summary>
    [BindProperty]
    public PostmortemForm Pm { get; set; } = new();

    /// <summary>GET /api/v1/incidents/{id}.</summary>
    public JsonElement Incident { get; private set; }

    /// <summary>The incident stream's events, oldest first.</summary>
    public IReadOnlyList<JsonElement> Timeline { get; private set; } = [];

    /// <summary>What was typed into the refused form, else nothing.</summary>
    public string? Typed(string form, string? value) => ProblemFor == form ? value : null;

    /// <summary>Shows the incident.</summary>
    public async Task OnGetAsync([FromQuery] string? done)
    {
        Done = done switch
        {
            "acknowledged" => "You acknowledged this incident.",
            "mitigated" => "Mitigation recorded.",
            "resolved" => "The incident is resolved.",
            "postmortem" => "Postmortem published.",
            _ => null,
        };
        Pm = new PostmortemForm();
        await LoadAsync();
    }

    /// <summary>Acknowledges.</summary>
    public Task<IActionResult> OnPostAcknowledgeAsync() => ActAsync("acknowledge", "acknowledgement", new AcknowledgeIncident(Blank(Note)), "acknowledged");

    /// <summary>Records a mitigation.</summary>
    public Task<IActionResult> OnPostMitigateAsync() => ActAsync("mitigate", "mitigation", new { action = Blank(Action), note = Blank(MitigationNote) }, "mitigated");

    /// <summary>Resolves.</summary>
    public Task<IActionResult> OnPostResolveAsync() => ActAsync("resolve", "resolution", new ResolveIncident(Blank(Resolution)), "resolved");

    /// <summary>Publishes the postmortem (optionally adding a slice to a suite).</summary>
    public Task<IActionResult> OnPostPostmortemAsync()
    {
        var items = Blank(Pm.ItemDescription) is { } description
            ? new[] { new { description, type = Pm.ItemType ?? "other", owner = Blank(Pm.ItemOwner) ?? Me.Name } }
            : [];
        object? slice = null;
        if (Blank(Pm.SliceSuite) is { } suite)
        {
            // The threshold is a number on the wire; what is typed goes as typed so the API names the field when it is not one.
            object? threshold = double.TryParse(Pm.SliceThreshold, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : Blank(Pm.SliceThreshold);
            slice = new { suite, name = Blank(Pm.SliceName), metric = Blank(Pm.SliceMetric), threshold };
        }

        return ActAsync("postmortem", "postmortem", new
        {
            summary = Pm.Summary ?? "", impact = Pm.Impact ?? "", rootCause = Pm.RootCause ?? "", trigger = Pm.Trigger ?? "",
            actionItems = items, lessons = Blank(Pm.Lessons), addSlice = slice,
        }, "postmortem");
    }

    private async Task<IActionResult> ActAsync(string form, string action, object body, string done)
    {
        var answer = await Api.PostAsync(HttpContext, $"/api/v1/incidents/{Seg(Id)}/{action}", body);
        if (answer.Succeeded)
        {
            return Redirect($"/incidents/{Seg(Id)}?done={done}");
        }

        Refused(answer, form);
        await LoadAsync();
        return Page();
    }

    private async Task LoadAsync()
    {
        var answer = await Api.GetAsync(HttpContext, $"/api/v1/incidents/{Seg(Id)}");
        if (!answer.Succeeded)
        {
            Problem ??= answer.Problem;
            Response.StatusCode = answer.Status;
            return;
        }

        Incident = answer.Body;
        var events = await Api.GetAsync(HttpContext, $"/api/v1/streams/{Seg(Governance.Api.Incidents.Incident.StreamId(Id))}/events");
        Timeline = [.. Each(events.Body, "events")];
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
