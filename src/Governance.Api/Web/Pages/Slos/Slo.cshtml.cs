using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using NodaTime;
using NodaTime.Text;
using Npgsql;

namespace Governance.Api.Web.Pages.Slos;

/// <summary>/slos/{id}: attainment, budget left and burn rates, and the budget over the window as SVG with breaches marked.</summary>
public sealed class SloModel(NpgsqlDataSource db) : WebPage
{
    /// <summary>The SLO.</summary>
    [BindProperty(SupportsGet = true)]
    public string Id { get; set; } = "";

    /// <summary>GET /api/v1/slos/{id}.</summary>
    public JsonElement Status { get; private set; }

    /// <summary>The chart.</summary>
    public string ChartSvg { get; private set; } = "";

    /// <summary>A ratio as a percentage ("—" when absent).</summary>
    public string Percent(JsonElement value) =>
        value.ValueKind == JsonValueKind.Number ? (value.GetDouble() * 100).ToString("0.##", CultureInfo.InvariantCulture) + "%" : "—";

    /// <summary>Shows the SLO.</summary>
    public async Task OnGetAsync(CancellationToken ct)
    {
        var answer = await Api.GetAsync(HttpContext, $"/api/v1/slos/{Seg(Id)}");
        if (!answer.Succeeded)
        {
            Problem = answer.Problem;
            Response.StatusCode = answer.Status;
            return;
        }

        Status = answer.Body;
        var objective = Get(Status, "objective").GetDouble();
        var window = DurationPattern.JsonRoundtrip.Parse(Text(Status, "window")) is { Success: true } w ? w.Value
            : PeriodPattern.NormalizingIso.Parse(Text(Status, "window")) is { Success: true } p ? p.Value.ToDuration() : Duration.FromDays(28);
        var until = InstantOf(Get(Status, "judgedUntil")) ?? Now;
        var start = until - window;
        ChartSvg = Charts.ErrorBudget(await BudgetAsync(objective, start, until, ct), await BreachesAsync(start, ct), start, until, Zone);
    }

    // The budget left after each bucket, counting from the window's start: 1 - bad / ((1 - objective) × total).
    private async Task<IReadOnlyList<BudgetPoint>> BudgetAsync(double objective, Instant start, Instant until, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            "SELECT bucket_to, good, total FROM governance.slo_buckets WHERE slo_id = $1 AND bucket_from >= $2 AND bucket_to <= $3 ORDER BY bucket_to LIMIT 5000");
        cmd.Parameters.Add(new() { Value = Id });
        cmd.Parameters.Add(new() { Value = start.ToDateTimeUtc() });
        cmd.Parameters.Add(new() { Value = until.ToDateTimeUtc() });
        var points = new List<BudgetPoint>();
        long good = 0, total = 0;
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            good += reader.GetInt64(1);
            total += reader.GetInt64(2);
            var allowed = (1 - objective) * total;
            var remaining = total == 0 ? 1 : allowed <= 0 ? (good == total ? 1 : -1) : 1 - (total - good) / allowed;
            points.Add(new BudgetPoint(Instant.FromDateTimeUtc(DateTime.SpecifyKind(reader.GetDateTime(0), DateTimeKind.Utc)), remaining));
        }

        return points;
    }

    private async Task<IReadOnlyList<Instant>> BreachesAsync(Instant start, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT breached_at FROM governance.slo_breaches WHERE slo_id = $1 AND breached_at >= $2 ORDER BY breached_at LIMIT 500");
        cmd.Parameters.Add(new() { Value = Id });
        cmd.Parameters.Add(new() { Value = start.ToDateTimeUtc() });
        var breaches = new List<Instant>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            breaches.Add(Instant.FromDateTimeUtc(DateTime.SpecifyKind(reader.GetDateTime(0), DateTimeKind.Utc)));
        }

        return breaches;
    }
}
