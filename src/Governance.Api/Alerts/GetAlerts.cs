using Governance.Api.Core.Auth;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Storage;
using Governance.Api.Core.Time;
using Governance.Api.Incidents;
using Governance.EventLog;
using NodaTime;
using Npgsql;
using NpgsqlTypes;
using Governance.Api.Core.Requests;

namespace Governance.Api.Alerts;

/// <summary>GET /alerts/{id} and GET /alerts/noise: which rules are worth waking up for.</summary>
public static class GetAlerts
{
    /// <summary>The noise figures of one rule.</summary>
    public sealed record RuleNoise(string Rule, long Fired, long Acknowledged, double IgnoredPercent, double ActionablePercent, Duration? MedianTimeToAck, bool Noisy);

    /// <summary>A rule is noisy when more than this share of its alerts were ignored.</summary>
    public const double NoisyAbovePercent = 40;

    /// <summary>
    /// The figures from counts: an alert is ignored when never acknowledged or acknowledged as not actionable. Repeats of a
    /// deduplicated alert are one alert.
    /// </summary>
    public static RuleNoise Noise(string rule, long fired, long acknowledged, long actionable, Duration? medianTimeToAck)
    {
        var ignored = fired - actionable;
        var ignoredPercent = fired == 0 ? 0 : Math.Round(100.0 * ignored / fired, 1);
        var actionablePercent = fired == 0 ? 0 : Math.Round(100.0 * actionable / fired, 1);
        return new RuleNoise(rule, fired, acknowledged, ignoredPercent, actionablePercent, medianTimeToAck, ignoredPercent > NoisyAbovePercent);
    }

    /// <summary>Maps the endpoints.</summary>
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/alerts/noise", async (NpgsqlDataSource db, CancellationToken ct, QueryInstant? since = null) =>
            {
                await using var cmd = db.CreateCommand(
                    "SELECT rule, count(*), count(acknowledged_at), count(*) FILTER (WHERE actionable), " +
                    "percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM acknowledged_at - fired_at)) FILTER (WHERE acknowledged_at IS NOT NULL) " +
                    "FROM governance.alert_noise WHERE fired_at >= $1 GROUP BY rule ORDER BY rule");
                cmd.Parameters.Add(new() { Value = (since?.Value ?? TimeInput.Earliest).ToDateTimeUtc(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
                var rules = new List<RuleNoise>();
                await using var reader = await cmd.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    Duration? median = reader.IsDBNull(4) ? null : Duration.FromMilliseconds(Math.Round(reader.GetDouble(4) * 1000));
                    rules.Add(Noise(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), median));
                }

                return Results.Ok(rules);
            })
            .WithProjectionAsOf(AlertNoiseProjection.ProjectionName)
            .RequireRole(Roles.Viewer).WithTags("Alerts").WithName("GetAlertNoise")
            .WithSummary("Per rule: fired, acknowledged, ignored and actionable percentages, median time to acknowledge, and whether it is noisy.")
            .Produces<IReadOnlyList<RuleNoise>>().ProducesValidationProblem();

        api.MapGet("/alerts/{id}", async (string id, IEventStore store, CancellationToken ct) =>
                await store.AggregateStreamAsync<Alert>(Alert.StreamId(id), ct: ct) is { } found
                    ? Results.Ok(found.State)
                    : DomainError.NotFound($"No alert '{id}'.").ToResult())
            .RequireRole(Roles.Viewer).WithTags("Alerts").WithName("GetAlert").WithStreamETag("id", Alert.StreamId, answersNotModified: true)
            .WithSummary("An alert with its repeats, acknowledgement and incident.")
            .Produces<Alert>().ProducesProblem(StatusCodes.Status404NotFound);
    }
}
