using System.Text.Json;
using Microsoft.AspNetCore.Mvc;

namespace Governance.Api.Web.Pages.Models;

/// <summary>
/// /models/{key}/changes: the model's events newest first, a page at a time, optionally of one kind. Pages follow the audit
/// feed's cursors, so an event that arrives while someone reads lands on the first page and never shifts the others.
/// Previous works without state on the server: the links carry the cursors of the pages already seen (docs/web-app.md).
/// </summary>
public sealed class ChangesModel(Npgsql.NpgsqlDataSource db) : WebPage
{
    /// <summary>Events per page.</summary>
    public const int PageSize = 50;

    // The first page has no cursor; a trail entry needs a value, so it is written as this.
    private const string FirstPage = "-";

    /// <summary>The model.</summary>
    [BindProperty(SupportsGet = true)]
    public string Key { get; set; } = "";

    /// <summary>The kind (event type) shown, or every kind when empty.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Kind { get; set; }

    /// <summary>Where this page starts: the audit feed's <c>next</c> of the page before.</summary>
    [BindProperty(SupportsGet = true)]
    public string? After { get; set; }

    /// <summary>Where the pages before this one started, oldest page first.</summary>
    [BindProperty(SupportsGet = true)]
    public string[] Back { get; set; } = [];

    /// <summary>The kinds of event the model has, for the filter.</summary>
    public IReadOnlyList<string> Kinds { get; private set; } = [];

    /// <summary>This page's events, newest first.</summary>
    public IReadOnlyList<JsonElement> Events { get; private set; } = [];

    /// <summary>The link to older events, or null on the last page.</summary>
    public string? NextLink { get; private set; }

    /// <summary>The link to newer events, or null on the first page.</summary>
    public string? PreviousLink { get; private set; }

    /// <summary>The link to the newest events of the same kind.</summary>
    public string NewestLink => Link(null, []);

    /// <summary>Which page this is, counting from the newest.</summary>
    public int PageNumber => Back.Length + 1;

    /// <summary>Shows a page.</summary>
    public async Task OnGetAsync()
    {
        Kind = string.IsNullOrWhiteSpace(Kind) ? null : Kind.Trim();
        After = string.IsNullOrWhiteSpace(After) || After == FirstPage ? null : After;
        var model = await Api.GetAsync(HttpContext, $"/api/v1/models/{Seg(Key)}");
        if (!model.Succeeded)
        {
            Problem = model.Problem;
            Response.StatusCode = model.Status;
            return;
        }

        Kinds = await KindsAsync();
        // The invoker calls the endpoint past the middleware that accepts enum values in any case, so the binder's spelling.
        var query = $"/api/v1/audit/events?model={Seg(Key)}&order=Desc&limit={PageSize}"
            + (Kind is null ? "" : $"&type={Seg(Kind)}") + (After is null ? "" : $"&after={Seg(After)}");
        var answer = await Api.GetAsync(HttpContext, query);
        if (!answer.Succeeded)
        {
            // A cursor edited by hand or from another kind: say so and offer the newest page rather than a bare error.
            Problem = answer.FieldErrors.Count > 0 ? string.Join(" ", answer.FieldErrors.Values) : answer.Problem;
            Response.StatusCode = answer.Status;
            return;
        }

        Events = [.. Each(answer.Body, "events")];
        if (Text(answer.Body, "next") is { Length: > 0 } next)
        {
            NextLink = Link(next, [.. Back, After ?? FirstPage]);
        }

        if (Back.Length > 0)
        {
            PreviousLink = Link(Back[^1], Back[..^1]);
        }
    }

    /// <summary>Who caused an event.</summary>
    public static string Actor(JsonElement e) => Text(Get(e, "metadata"), "actor") is { Length: > 0 } actor ? actor : "—";

    /// <summary>The page an event is about, or its own anchor on this page when there is none.</summary>
    public static string EventLink(JsonElement e)
    {
        var stream = Text(e, "streamId");
        foreach (var (prefix, page) in new[] { ("promotion-", "/promotions/"), ("incident-", "/incidents/"), ("slo-", "/slos/") })
        {
            if (stream.StartsWith(prefix, StringComparison.Ordinal))
            {
                return page + Seg(stream[prefix.Length..]);
            }
        }

        return "#" + Anchor(e);
    }

    /// <summary>The event's anchor on the page.</summary>
    public static string Anchor(JsonElement e) => "event-" + Text(e, "id");

    /// <summary>What an event says, in a line: the fields a person looks for first.</summary>
    public static string Summary(JsonElement e)
    {
        var data = Get(e, "data");
        var parts = new List<string>();
        foreach (var name in new[] { "version", "stage", "targetStage", "fromStage", "toVersion", "severity", "reason", "comment", "justification", "summary", "title" })
        {
            if (Text(data, name) is { Length: > 0 } value && value.Length <= 300)
            {
                parts.Add($"{Words(name).ToLowerInvariant()}: {value}");
            }
        }

        return string.Join("; ", parts);
    }

    private string Link(string? after, IEnumerable<string> back)
    {
        var query = new List<string>();
        if (Kind is not null)
        {
            query.Add("kind=" + Seg(Kind));
        }

        query.AddRange(back.Select(b => "back=" + Seg(b)));
        if (after is not null && after != FirstPage)
        {
            query.Add("after=" + Seg(after));
        }

        return $"/models/{Seg(Key)}/changes" + (query.Count == 0 ? "" : "?" + string.Join("&", query));
    }

    // The same events the audit feed selects for the model, so every kind offered has at least one event to show.
    private async Task<IReadOnlyList<string>> KindsAsync()
    {
        await using var cmd = db.CreateCommand(
            "SELECT DISTINCT type FROM governance.log_events WHERE stream_id = 'model-' || $1 OR data ->> 'model' = $1 ORDER BY type LIMIT 500");
        cmd.Parameters.Add(new() { Value = Key });
        var kinds = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync(HttpContext.RequestAborted);
        while (await reader.ReadAsync(HttpContext.RequestAborted))
        {
            kinds.Add(reader.GetString(0));
        }

        return kinds;
    }
}
