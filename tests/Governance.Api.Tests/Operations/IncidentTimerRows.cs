using Npgsql;

namespace Governance.Api.Tests.Operations;

/// <summary>An incident's ack-deadline timers as Wolverine stores them: rows of its durable inbox naming the incident.</summary>
internal static class IncidentTimerRows
{
    private const string OfIncident =
        "FROM governance.wolverine_incoming_envelopes WHERE message_type LIKE '%EscalateIncident%' AND position(convert_to($1, 'UTF8') in body) > 0";

    /// <summary>The incident's timers still waiting.</summary>
    public static async Task<long> ScheduledAsync(string connectionString, string incident)
    {
        await using var db = NpgsqlDataSource.Create(connectionString);
        await using var cmd = db.CreateCommand($"SELECT count(*) {OfIncident} AND status = 'Scheduled'");
        cmd.Parameters.Add(new() { Value = incident });
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>Deletes the incident's timers, as for an incident opened before timers existed; how many there were.</summary>
    public static async Task<int> DeleteAsync(string connectionString, string incident)
    {
        await using var db = NpgsqlDataSource.Create(connectionString);
        await using var cmd = db.CreateCommand($"DELETE {OfIncident}");
        cmd.Parameters.Add(new() { Value = incident });
        return await cmd.ExecuteNonQueryAsync();
    }
}
