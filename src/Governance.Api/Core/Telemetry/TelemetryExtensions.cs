using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Governance.Api.Core.Telemetry;

/// <summary>
/// OpenTelemetry through the hosting package, on when OTEL_EXPORTER_OTLP_ENDPOINT is set: ASP.NET Core's requests
/// (instrumentation package), the service's own spans and metrics, Marten's and Npgsql's, all exported over OTLP.
/// Off, nothing listens, so nothing is recorded: the hot paths pay for no span they would throw away.
/// </summary>
public static class TelemetryExtensions
{
    /// <summary>ActivitySources and Meters besides ASP.NET Core's: ours, Marten's (sessions, appends, daemon) and Npgsql's.</summary>
    public static readonly string[] Sources = [GovernanceTelemetry.Name, Governance.EventLog.Telemetry.LogTelemetry.Name, "Marten", "Npgsql"];

    /// <summary>Registers tracing and metrics when an OTLP endpoint is configured.</summary>
    public static WebApplicationBuilder AddGovernanceTelemetry(this WebApplicationBuilder builder)
    {
        var endpoint = builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            return builder;
        }

        var serviceName = builder.Configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : "governance";

        // The exporter reads OTEL_EXPORTER_OTLP_* (endpoint, protocol, headers) from the host's configuration, so
        // appsettings and command-line settings work as well as environment variables.
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithTracing(tracing => tracing
                .AddSource(Sources)
                .AddAspNetCoreInstrumentation()
                .AddOtlpExporter())
            .WithMetrics(metrics => metrics
                .AddMeter(Sources)
                .AddAspNetCoreInstrumentation()
                .AddOtlpExporter());
        return builder;
    }
}
