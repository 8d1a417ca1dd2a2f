using Governance.Api.Core.Storage;

namespace Governance.Api.Docs;

/// <summary>Generated model documentation: its read model on the daemon, the API and the HTML pages.</summary>
public static class DocsModule
{
    public static void AddDocs(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddAsyncReadModel<ModelDocsProjection>(ModelDocsProjection.Tables);
    }

    public static void MapDocs(this WebApplication app)
    {
        DocsPages.Map(app);
        GetModelDoc.Map(app.MapApi());
    }
}
