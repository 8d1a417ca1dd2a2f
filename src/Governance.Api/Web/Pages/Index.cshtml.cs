using System.Text.Json;

namespace Governance.Api.Web.Pages;

/// <summary>/: what awaits me (approvals, my teams' open incidents and overdue acknowledgements) and recent deployments.</summary>
public sealed class IndexModel : WebPage
{
    /// <summary>Promotions awaiting my approval.</summary>
    public IReadOnlyList<JsonElement> Awaiting { get; private set; } = [];

    /// <summary>My teams' queue items.</summary>
    public IReadOnlyList<(string Team, JsonElement Item)> Queue { get; private set; } = [];

    /// <summary>The latest deployed promotions.</summary>
    public IReadOnlyList<JsonElement> Deployments { get; private set; } = [];

    /// <summary>Shows the page.</summary>
    public async Task OnGetAsync()
    {
        Awaiting = Array(await Api.GetAsync(HttpContext, "/api/v1/promotions?awaitingMe=true"));
        Deployments = Array(await Api.GetAsync(HttpContext, "/api/v1/promotions?status=deployed&limit=10"));
        var queue = new List<(string, JsonElement)>();
        foreach (var team in (HttpContext.Items[typeof(Chrome)] as Chrome)?.Teams ?? [])
        {
            var answer = await Api.GetAsync(HttpContext, $"/api/v1/teams/{Seg(team)}/queue");
            queue.AddRange(Each(answer.Body, "items").Select(i => (team, i)));
        }

        Queue = queue;
    }

    private static IReadOnlyList<JsonElement> Array(ApiAnswer answer) =>
        answer.Succeeded && answer.Body.ValueKind == JsonValueKind.Array ? [.. answer.Body.EnumerateArray()] : [];
}
