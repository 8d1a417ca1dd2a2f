using Governance.Api.Core.Errors;
using Governance.EventLog;
using Microsoft.Extensions.Primitives;
using Governance.EventLog.Projections;

namespace Governance.Api.PipelineRuns;

/// <summary>OpenLineage ingest (DESIGN §13): its events, its projection, and gzip-encoded bodies.</summary>
public static class PipelineRunsModule
{
    /// <summary>Registers the projection; after the registry's projections, whose nodes its joins draw edges to.</summary>
    public static void AddPipelineRuns(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<IInlineProjection, PipelineRunsProjection>();
        builder.Services.AddRequestDecompression();
        builder.Services.Configure<Microsoft.AspNetCore.OpenApi.OpenApiOptions>("v1", o => o.AddSchemaTransformer(OpenLineageSchema.TransformAsync));
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
        var limit = app.Configuration.GetValue("Governance:MaxRequestBodyBytes", ProblemHandling.DefaultMaxRequestBodyBytes);
        const string Compressed = "governance.compressed-body";
        app.Use((context, next) =>
        {
            if (!StringValues.IsNullOrEmpty(context.Request.Headers.ContentEncoding))
            {
                context.Items[Compressed] = true;
            }

            return next(context);
        });
        app.UseRequestDecompression();

        // The middleware bounds the unpacked body by the host's limit feature, which not every host has (the test server
        // has none); the service's own limit is applied here whatever the host.
        app.Use((context, next) =>
        {
            if (context.Items.ContainsKey(Compressed))
            {
                context.Request.Body = new BoundedBody(context.Request.Body, limit);
            }

            return next(context);
        });
        return app;
    }

    /// <summary>A request body that refuses to be read past <c>limit</c> bytes with the 413 every oversized body gets.</summary>
    private sealed class BoundedBody(Stream inner, long limit) : Stream
    {
        private long read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        private int Count(int n)
        {
            read += n;
            return read > limit
                ? throw new BadHttpRequestException($"The unpacked body is larger than {limit} bytes.", StatusCodes.Status413PayloadTooLarge)
                : n;
        }
    }
}
