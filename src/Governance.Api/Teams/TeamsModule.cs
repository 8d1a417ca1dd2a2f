namespace Governance.Api.Teams;

/// <summary>Teams: a team's queue and its shift report.</summary>
public static class TeamsModule
{
    public static void MapTeams(this WebApplication app)
    {
        var api = app.MapApi();
        GetQueue.Map(api);
        GetShiftReport.Map(api);
    }
}
