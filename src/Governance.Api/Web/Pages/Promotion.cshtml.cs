using System.Text.Json;
using Microsoft.AspNetCore.Mvc;

namespace Governance.Api.Web.Pages;

/// <summary>/promotions/{id}: the promotion with its gates, approvals and timeline; Approve, Reject, Deploy.</summary>
public sealed class PromotionModel : PromotionPage
{
    /// <summary>GET /api/v1/promotions/{id}, or null when there is none.</summary>
    public JsonElement? Promotion { get; private set; }

    /// <summary>Shows the promotion.</summary>
    public async Task<IActionResult> OnGetAsync([FromQuery] string? done)
    {
        Done = DoneSentence(done, Id);
        await LoadAsync();
        return Page();
    }

    /// <inheritdoc />
    protected override async Task LoadAsync()
    {
        var answer = await Api.GetAsync(HttpContext, $"/api/v1/promotions/{Seg(Id ?? "")}");
        if (answer.Succeeded)
        {
            Promotion = answer.Body;
        }
        else
        {
            Problem ??= answer.Problem;
            Response.StatusCode = answer.Status;
        }
    }

    /// <inheritdoc />
    protected override string AfterAction(string id, string done) => $"/promotions/{Seg(id)}?done={done}";
}
