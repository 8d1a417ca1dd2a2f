using Governance.Api.Rotations;
using Governance.EventLog;
using Microsoft.AspNetCore.Mvc.Filters;
using Npgsql;

namespace Governance.Api.Web;

/// <summary>What the layout shows around every page: the person's inbox count and their teams' queues.</summary>
public sealed record Chrome(int InboxCount, IReadOnlyList<string> Teams);

/// <summary>
/// Headers and layout data for every page: a CSP that allows no inline script or style, only the service's own files, and the
/// navigation's inbox count and team.
/// </summary>
public sealed class WebPageFilter(ApiInvoker api, NpgsqlDataSource db, IEventStore store) : IAsyncPageFilter
{
    /// <summary>The pages' content security policy: scripts and styles only from the service, nothing inline, forms only to the service.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    /// <inheritdoc />
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    /// <inheritdoc />
    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        http.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers.CacheControl = "no-store";
        if (http.User.Identity is { IsAuthenticated: true, Name: { } name })
        {
            var inbox = await api.GetAsync(http, "/api/v1/promotions?awaitingMe=true");
            var count = inbox.Succeeded && inbox.Body.ValueKind == System.Text.Json.JsonValueKind.Array ? inbox.Body.GetArrayLength() : 0;
            http.Items[typeof(Chrome)] = new Chrome(count, await TeamsOfAsync(name, http.RequestAborted));
        }

        await next();
    }

    // The teams whose rotation the person is on; everyone sees every team's queue, this only picks the navigation's link.
    private async Task<IReadOnlyList<string>> TeamsOfAsync(string name, CancellationToken ct)
    {
        var teams = new List<string>();
        await using var cmd = db.CreateCommand("SELECT DISTINCT team FROM governance.models ORDER BY team LIMIT 50");
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                teams.Add(reader.GetString(0));
            }
        }

        var mine = new List<string>();
        foreach (var team in teams)
        {
            if (await store.AggregateStreamAsync<Rotation>(Rotation.StreamId(team), ct: ct) is { } rotation && rotation.State.People.Contains(name, StringComparer.Ordinal))
            {
                mine.Add(team);
            }
        }

        return mine.Count > 0 ? mine : teams.Take(1).ToList();
    }
}
