using System.Text.Json;
using Governance.Api.Promotions;
using Microsoft.AspNetCore.Mvc;

namespace Governance.Api.Web;

/// <summary>A promotion as a page shows it, with what the page needs for its forms.</summary>
public sealed record PromotionCard(JsonElement Promotion, PromotionPage Page, bool Detail);

/// <summary>
/// The pages that act on promotions (/inbox and /promotions/{id}): Approve, Reject and Deploy run the API's endpoints
/// as the signed-in person; a refusal is shown by the form that caused it, with what was typed.
/// </summary>
public abstract class PromotionPage : WebPage
{
    /// <summary>The approval's comment (optional).</summary>
    [BindProperty]
    public string? Comment { get; set; }

    /// <summary>The rejection's reason (required by the API).</summary>
    [BindProperty]
    public string? Reason { get; set; }

    /// <summary>The promotion a form acted on.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Id { get; set; }

    /// <summary>The value to show in a form's field: what was typed when that form was refused, else nothing.</summary>
    public string? Typed(string form, string? value) => ProblemFor == form ? value : null;

    /// <summary>Approves promotion <see cref="Id"/>.</summary>
    public Task<IActionResult> OnPostApproveAsync() =>
        ActAsync("approve", "approvals", new ApprovePromotion(Blank(Comment)), "approved");

    /// <summary>Rejects promotion <see cref="Id"/>.</summary>
    public Task<IActionResult> OnPostRejectAsync() =>
        ActAsync("reject", "rejections", new RejectPromotion((Reason ?? "").Trim()), "rejected");

    /// <summary>Deploys approved promotion <see cref="Id"/>.</summary>
    public Task<IActionResult> OnPostDeployAsync() =>
        ActAsync("deploy", "deployment", new DeployPromotion(), "deployed");

    /// <summary>Loads what the page shows.</summary>
    protected abstract Task LoadAsync();

    /// <summary>Where to go after an action succeeded.</summary>
    protected abstract string AfterAction(string id, string done);

    private async Task<IActionResult> ActAsync(string form, string action, object body, string done)
    {
        var id = (Id ?? "").Trim();
        var answer = await Api.PostAsync(HttpContext, $"/api/v1/promotions/{Seg(id)}/{action}", body);
        if (answer.Succeeded)
        {
            return Redirect(AfterAction(id, done));
        }

        Refused(answer, $"{form}-{id}");
        await LoadAsync();
        return Page();
    }

    /// <summary>The sentence for a finished action, from the fixed set a redirect may name.</summary>
    protected static string? DoneSentence(string? done, string? id) => done switch
    {
        "approved" => $"You approved promotion {id}.",
        "rejected" => $"You rejected promotion {id}.",
        "deployed" => $"Promotion {id} is deployed.",
        _ => null,
    };

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
