using System.Text.Json;
using Microsoft.AspNetCore.Mvc;

namespace Governance.Api.Web.Pages;

/// <summary>/inbox: promotions awaiting my approval, with their gates, evidence and N-of-M progress.</summary>
public sealed class InboxModel : PromotionPage
{
    /// <summary>The promotions, each as GET /api/v1/promotions/{id} answers it.</summary>
    public IReadOnlyList<JsonElement> Promotions { get; private set; } = [];

    /// <summary>Shows the inbox.</summary>
    public async Task OnGetAsync([FromQuery] string? done)
    {
        Done = DoneSentence(done, Id);
        await LoadAsync();
    }

    /// <inheritdoc />
    protected override async Task LoadAsync()
    {
        var list = await Api.GetAsync(HttpContext, "/api/v1/promotions?awaitingMe=true");
        var items = new List<JsonElement>();
        foreach (var item in list.Succeeded && list.Body.ValueKind == JsonValueKind.Array ? list.Body.EnumerateArray() : default)
        {
            var full = await Api.GetAsync(HttpContext, $"/api/v1/promotions/{Seg(Text(item, "id"))}");
            if (full.Succeeded)
            {
                items.Add(full.Body);
            }
        }

        // A promotion whose action was refused stays on the page even if it no longer awaits me, so its problem shows.
        if (ProblemFor is not null && Id is { Length: > 0 } acted && items.All(p => Text(p, "id") != acted))
        {
            var full = await Api.GetAsync(HttpContext, $"/api/v1/promotions/{Seg(acted)}");
            if (full.Succeeded)
            {
                items.Insert(0, full.Body);
            }
        }

        Promotions = items;
    }

    /// <inheritdoc />
    protected override string AfterAction(string id, string done) => $"/inbox?done={done}&id={Seg(id)}";
}
