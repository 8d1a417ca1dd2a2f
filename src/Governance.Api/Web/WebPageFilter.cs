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
public sealed class WebPageFilter(ApiInvoker api, NpgsqlDataSource db) : IAsyncPageFilter
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

    // The teams whose rotation names the person (its latest definition's members or shadows, or an override), among the
    // teams that own models; everyone sees every team's queue, this only picks the navigation's link. One query over the
    // rotation streams, not one stream load per team on every page view.
    private async Task<IReadOnlyList<string>> TeamsOfAsync(string name, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"""
            WITH rotation AS (
                SELECT substr(stream_id, {RotationPrefix.Length + 1}) AS team, type, data, version,
                       max(version) FILTER (WHERE type = $2) OVER (PARTITION BY stream_id) AS latest_definition
                FROM governance.mt_events
                WHERE stream_id LIKE '{RotationPrefix}%' AND type IN ($2, $3)),
            mine AS (
                SELECT team FROM rotation
                WHERE (type = $2 AND version = latest_definition AND (data -> 'members' ? $1 OR data -> 'shadows' ? $1))
                   OR (type = $3 AND data ->> 'member' = $1))
            SELECT t.team, t.team IN (SELECT team FROM mine)
            FROM (SELECT DISTINCT team FROM governance.models ORDER BY team LIMIT 50) t
            ORDER BY t.team
            """);
        cmd.Parameters.Add(new() { Value = name });
        cmd.Parameters.Add(new() { Value = EventTypeRegistry.ToSnakeCase(nameof(RotationDefined)) });
        cmd.Parameters.Add(new() { Value = EventTypeRegistry.ToSnakeCase(nameof(RotationOverrideAdded)) });
        var teams = new List<string>();
        var mine = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            teams.Add(reader.GetString(0));
            if (reader.GetBoolean(1))
            {
                mine.Add(reader.GetString(0));
            }
        }

        return mine.Count > 0 ? mine : teams.Take(1).ToList();
    }

    private static readonly string RotationPrefix = Rotation.StreamId("");
}
