using System.Diagnostics;
using Governance.Api.Alerts;
using Governance.Api.Slos;
using Npgsql;

namespace Governance.Api.Tests.Harness;

/// <summary>
/// Waits for an async projection (Marten's daemon) to have applied everything committed so far: a test that reads what
/// such a projection writes right after a command says so, instead of sleeping.
/// </summary>
public static class ProjectionWaits
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Waits until the progress of <paramref name="projection"/> reaches the log's high-water mark as it is now (the
    /// highest sequence number committed); later appends are not waited for.
    /// </summary>
    public static async Task WaitForProjectionAsync(this GovernanceApp app, string projection, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        var target = await ScalarAsync(connection, "SELECT coalesce(max(seq_id), 0) FROM governance.mt_events", projection);
        var limit = timeout ?? TimeSpan.FromSeconds(30);
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var progress = await ScalarAsync(connection, "SELECT coalesce(max(last_seq_id), 0) FROM governance.mt_event_progression WHERE name = $1 || ':All'", projection);
            if (progress >= target)
            {
                return;
            }

            if (Stopwatch.GetElapsedTime(started) > limit)
            {
                throw new TimeoutException($"{projection} reached event {progress} of {target} in {limit.TotalSeconds:0} s.");
            }

            await Task.Delay(Poll);
        }
    }

    /// <summary>The highest sequence number committed to the log.</summary>
    public static async Task<long> EventHighWaterMarkAsync(this GovernanceApp app)
    {
        ArgumentNullException.ThrowIfNull(app);
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        return await ScalarAsync(connection, "SELECT coalesce(max(seq_id), 0) FROM governance.mt_events", "");
    }

    /// <summary>Waits for governance.slo_breaches (<see cref="SloStatusProjection"/>).</summary>
    public static Task WaitForSloStatusAsync(this GovernanceApp app) => app.WaitForProjectionAsync(SloStatusProjection.ProjectionName);

    /// <summary>Waits for governance.alert_noise (<see cref="AlertNoiseProjection"/>).</summary>
    public static Task WaitForAlertNoiseAsync(this GovernanceApp app) => app.WaitForProjectionAsync(AlertNoiseProjection.ProjectionName);

    private static async Task<long> ScalarAsync(NpgsqlConnection connection, string sql, string projection)
    {
        await using var cmd = new NpgsqlCommand(sql, connection);
        if (sql.Contains("$1", StringComparison.Ordinal))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = projection });
        }

        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
