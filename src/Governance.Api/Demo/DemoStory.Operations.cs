using System.Text.Json;

namespace Governance.Api.Demo;

/// <summary>The operations chapter: on-call, a noisy alert, an SLO breach, the incident it opens, a rollback, a postmortem.</summary>
public sealed partial class DemoStory
{
    private async Task ChapterOperationsAsync(CancellationToken ct)
    {
        using var admin = Client(adminKey);
        using var maria = Client(keys["maria"]);
        using var omar = Client(keys["omar"]);
        var today = DateTime.UtcNow.Date;
        var monday = today.AddDays(-(((int)today.DayOfWeek + 6) % 7));
        await Send(admin, "PUT", "/api/v1/teams/payments-ml/rotation", new
        {
            timeZone = "Europe/Berlin", handoffDay = "Monday", handoffTime = "10:00", shiftLength = "P7D",
            members = new[] { "omar", "lena", "maria" }, shadows = new[] { "ben" }, startsOn = monday.AddDays(-14).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        }, ct);

        // A noisy alert, fired twice (deduplicated) and acknowledged as not actionable.
        var alert = await Send(maria, "POST", "/api/v1/alerts", new { rule = "feature-null-rate", model = Model, severity = "SEV4", dedupKey = "merchant_country-null", summary = "merchant_country null rate 2.1% (threshold 2%)" }, ct);
        await Send(maria, "POST", "/api/v1/alerts", new { rule = "feature-null-rate", model = Model, severity = "SEV4", dedupKey = "merchant_country-null", summary = "merchant_country null rate 2.2%" }, ct);
        await Send(omar, "POST", $"/api/v1/alerts/{alert.GetProperty("id").GetString()}/acknowledgement", new { actionable = false, note = "Known upstream gap on weekends; threshold too tight." }, ct);

        // Precision drops: labels for the last hour show 80% of flagged transactions were legitimate.
        var slo = await Send(maria, "POST", "/api/v1/slos", new
        {
            name = "review-precision", model = Model, stage = "production", objective = 0.95, window = "P28D", labelDelay = "PT1M",
            description = "Share of transactions sent to manual review that are confirmed fraud or suspicious.",
        }, ct);
        var sloId = slo.GetProperty("id").GetString()!;
        var now = DateTimeOffset.UtcNow;
        var start = now.AddMinutes(-70);
        var buckets = Enumerable.Range(0, 13).Select(i => new
        {
            from = start.AddMinutes(i * 5).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
            to = start.AddMinutes((i + 1) * 5).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
            good = 200,
            total = 1000,
        }).ToArray();
        await Send(maria, "POST", $"/api/v1/slos/{sloId}/measurements", buckets, ct);

        var incidentId = await BreachIncidentAsync(maria, sloId, ct)
            ?? (await Send(maria, "POST", "/api/v1/incidents", new { model = Model, stage = "production", version = "1.1.0", severity = "SEV2", title = "Review precision collapsed", description = "Most reviewed transactions are legitimate.", source = "slo-breach", category = "data-drift-unnatural" }, ct))
                .GetProperty("id").GetString()!;

        await Send(omar, "POST", $"/api/v1/incidents/{incidentId}/acknowledgement", new { note = "Looking; precision fell right after the 1.1.0 production deploy." }, ct);
        await Send(omar, "POST", $"/api/v1/models/{Model}/stages/production/rollback", new { reason = "Precision SLO breach after 1.1.0; back to the fallback while we investigate.", incidentId }, ct);
        await Send(omar, "POST", $"/api/v1/incidents/{incidentId}/mitigation", new { action = "rollback", note = "production back on 1.0.0" }, ct);
        await Send(omar, "POST", $"/api/v1/incidents/{incidentId}/resolution", new { resolution = "Precision recovered on 1.0.0; 1.1.0 needs the new slice before it returns." }, ct);
        await Send(omar, "POST", $"/api/v1/incidents/{incidentId}/postmortem", new
        {
            summary = "1.1.0 sent legitimate holiday shoppers to review.",
            impact = "About 4,000 legitimate transactions delayed for 70 minutes; no fraud losses.",
            rootCause = "October training data under-represents holiday traffic from new customers; the suite had no slice for it.",
            trigger = "Black-Friday promotions drove a new mix of first-time, card-not-present buyers.",
            actionItems = new object[]
            {
                new { description = "Add a holiday-traffic slice to fraud-core", type = "detect", owner = "maria" },
                new { description = "Retrain with November data including the promotion week", type = "prevent", owner = "maria" },
                new { description = "Loosen the merchant_country null-rate alert threshold", type = "process", owner = "omar" },
            },
            lessons = "Evaluate on the traffic you are about to get, not only on the traffic you had.",
            addSlice = new { suite = "fraud-core", name = "holiday-new-customers", metric = "auc", threshold = 0.87 },
        }, ct);
    }

    /// <summary>The incident the breach opened, if the breach detector opened one.</summary>
    private static async Task<string?> BreachIncidentAsync(HttpClient client, string sloId, CancellationToken ct)
    {
        var status = await Send(client, "GET", $"/api/v1/slos/{sloId}", null, ct);
        if (status.TryGetProperty("incidentId", out var current) && current.ValueKind == JsonValueKind.String)
        {
            return current.GetString();
        }

        if (status.TryGetProperty("lastBreach", out var breach) && breach.ValueKind == JsonValueKind.Object
            && breach.TryGetProperty("incidentId", out var id) && id.ValueKind == JsonValueKind.String)
        {
            return id.GetString();
        }

        return null;
    }
}
