using Governance.EventLog;
using Governance.EventLog.Projections;

namespace Governance.Api.PipelineRuns;

/// <summary>OpenLineage ingest (DESIGN §13): its events, its projection, and gzip-encoded bodies.</summary>
public static class PipelineRunsModule
{
    /// <summary>Registers the projection; after the registry's projections, whose nodes its joins draw edges to.</summary>
    public static WebApplicationBuilder AddPipelineRuns(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<IInlineProjection, PipelineRunsProjection>();
        builder.Services.AddRequestDecompression();
        return builder;
    }

    /// <summary>The pipeline-run stream's events.</summary>
    public static void RegisterEvents(EventLogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        PipelineRun.RegisterEvents(options.Registry);
        options.Fold<PipelineRun>();
    }

    /// <summary>
    /// Bodies sent with <c>Content-Encoding: gzip</c> (the OpenLineage client's <c>compression: gzip</c>; also deflate
    /// and br) are read decompressed, on every endpoint. After the body limit is set: the limit applies to the
    /// decompressed body (413), so a small compressed body cannot unpack into a large one.
    /// </summary>
    public static WebApplication UseCompressedBodies(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseRequestDecompression();
        return app;
    }
}
