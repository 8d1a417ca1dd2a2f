namespace Governance.Api.Lineage;

/// <summary>Lineage: the graph query over the registry.</summary>
public static class LineageModule
{
    public static void MapLineage(this WebApplication app) => GetLineage.Map(app.MapApi());
}
