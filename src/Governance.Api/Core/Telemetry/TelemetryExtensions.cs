using Governance.EventLog.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Governance.Api.Core.Telemetry;

/// <summary>
/// OpenTelemetry without the hosting package: providers built with Sdk.Create…Builder(), exporting over
/// OTLP only when OTEL_EXPORTER_OTLP_ENDPOINT is set, disposed with the container on shutdown.
/// </summary>
public static class TelemetryExtensions
{
    /// <summary>Sources: ours, the store's, and the framework's and Npgsql's built-in ones.</summary>
    public static readonly string[] Sources = [GovernanceTelemetry.Name, EventStoreTelemetry.Name, "Microsoft.AspNetCore", "Npgsql"];

    /// <summary>Registers the tracer and meter providers when an OTLP endpoint is configured.</summary>
    public static WebApplicationBuilder AddGovernanceTelemetry(this WebApplicationBuilder builder)
    {
        var endpoint = builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            return builder;
        }

        var serviceName = builder.Configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : "governance";
        var resource = ResourceBuilder.CreateDefault().AddService(serviceName);
        var tracer = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(resource)
            .AddSource(Sources)
            .AddOtlpExporter()
            .Build();
        var meter = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(resource)
            .AddMeter(Sources)
            .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
            .AddOtlpExporter()
            .Build();
        builder.Services.AddSingleton(tracer);
        builder.Services.AddSingleton(meter);
        return builder;
    }
}
