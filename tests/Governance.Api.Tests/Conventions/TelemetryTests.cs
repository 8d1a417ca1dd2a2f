using System.Collections;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using Governance.Api.Core.Telemetry;
using Governance.Api.Tests.Harness;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Governance.Api.Tests.Conventions;

/// <summary>
/// OpenTelemetry through the hosting package: on with an OTLP endpoint (spans and metrics of ASP.NET Core, the
/// service, Marten and Npgsql, exported to that endpoint), off without one.
/// </summary>
public sealed class TelemetryTests(TelemetryTests.TracedApp traced, GovernanceApp plain)
    : IClassFixture<TelemetryTests.TracedApp>, IClassFixture<GovernanceApp>
{
    private const string ServiceName = "governance-telemetry-test";

    /// <summary>
    /// The service with an OTLP endpoint in its configuration (not its environment), exporting there and to memory.
    /// </summary>
    public sealed class TracedApp : GovernanceApp, IAsyncLifetime
    {
        public OtlpSink Collector { get; } = new();

        public LockedCollection<Activity> Spans { get; } = new();

        public LockedCollection<MetricSnapshot> Metrics { get; } = new();

        /// <summary>Exports what has ended so far, to memory and to <see cref="Collector"/>.</summary>
        public void Flush()
        {
            Services.GetRequiredService<TracerProvider>().ForceFlush().ShouldBeTrue("spans could not be exported");
            Services.GetRequiredService<MeterProvider>().ForceFlush().ShouldBeTrue("metrics could not be exported");
        }

        public new async Task DisposeAsync()
        {
            await base.DisposeAsync();
            Collector.Dispose();
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("OTEL_EXPORTER_OTLP_ENDPOINT", Collector.Endpoint);
            builder.UseSetting("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf");
            builder.UseSetting("OTEL_SERVICE_NAME", ServiceName);
            builder.ConfigureServices(services =>
            {
                // These only add to providers the service registered itself: with telemetry off they do nothing.
                services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(Spans));
                services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddInMemoryExporter(Metrics));
            });
        }
    }

    [Fact]
    public async Task a_request_is_traced_by_the_aspnetcore_instrumentation_with_its_route_and_its_database_calls()
    {
        await traced.Scenario(s =>
        {
            s.Get.Url("/api/v1/principals/me");
            s.StatusCodeShouldBe(200);
        });

        traced.Flush();
        var request = traced.Spans.Last(s => s.Source.Name == "Microsoft.AspNetCore" && (string?)s.GetTagItem("url.path") == "/api/v1/principals/me");
        request.GetTagItem("http.route").ShouldBe("/api/v1/principals/me");
        request.GetTagItem("http.request.method").ShouldBe("GET");
        request.GetTagItem("http.response.status_code").ShouldBe(200);
        request.DisplayName.ShouldBe("GET /api/v1/principals/me");
        traced.Spans.Any(s => s.Source.Name == "Npgsql" && s.TraceId == request.TraceId).ShouldBeTrue("the request's database commands are spans of its trace");
    }

    [Fact]
    public async Task a_command_exports_the_service_s_span_and_counter_and_the_request_duration()
    {
        await traced.Scenario(s =>
        {
            s.Post.Json(new { name = "otel-carol", roles = new[] { "viewer" } }).ToUrl("/api/v1/principals");
            s.StatusCodeShouldBe(201);
        });

        traced.Flush();
        traced.Spans.Any(s => s.Source.Name == GovernanceTelemetry.Name).ShouldBeTrue("the command's span is exported");
        var metrics = traced.Metrics.Select(m => m.Name).ToHashSet();
        metrics.ShouldContain("governance.commands");
        metrics.ShouldContain("http.server.request.duration");
    }

    [Fact]
    public void martens_activity_source_and_meter_are_exported()
    {
        // The log's sessions report on these names (Governance.EventLog.Tests.TelemetryTests); the question here is
        // whether the service's providers take them. A source and a meter of the same names stand in.
        using var source = new ActivitySource("Marten");
        using var meter = new Meter("Marten");
        var probe = $"probe-{Guid.NewGuid():N}";

        using (var span = source.StartActivity(probe))
        {
            span.ShouldNotBeNull("nothing listens to the Marten ActivitySource");
        }

        meter.CreateCounter<long>(probe).Add(1);
        traced.Flush();

        traced.Spans.Any(s => s.OperationName == probe).ShouldBeTrue();
        traced.Metrics.Any(m => m.Name == probe && m.MeterName == "Marten").ShouldBeTrue();
    }

    [Fact]
    public async Task spans_and_metrics_go_over_otlp_to_the_configured_endpoint_under_the_configured_service_name()
    {
        await traced.Scenario(s =>
        {
            s.Get.Url("/health/ready").Anonymous();
            s.StatusCodeShouldBe(200);
        });

        traced.Flush();
        var received = traced.Collector.Received;
        received.Select(r => r.Path).ShouldContain("/v1/traces");
        received.Select(r => r.Path).ShouldContain("/v1/metrics");
        received.ShouldAllBe(r => r.Body.Contains(ServiceName));
    }

    [Fact]
    public void without_an_otlp_endpoint_no_provider_is_registered()
    {
        plain.Services.GetService<TracerProvider>().ShouldBeNull();
        plain.Services.GetService<MeterProvider>().ShouldBeNull();
    }

    /// <summary>A list the exporters add to from their own threads while a test reads it.</summary>
    public sealed class LockedCollection<T> : ICollection<T>
    {
        private readonly List<T> items = [];

        public int Count
        {
            get
            {
                lock (items)
                {
                    return items.Count;
                }
            }
        }

        public bool IsReadOnly => false;

        public void Add(T item)
        {
            lock (items)
            {
                items.Add(item);
            }
        }

        public void Clear()
        {
            lock (items)
            {
                items.Clear();
            }
        }

        public bool Contains(T item)
        {
            lock (items)
            {
                return items.Contains(item);
            }
        }

        public void CopyTo(T[] array, int arrayIndex)
        {
            lock (items)
            {
                items.CopyTo(array, arrayIndex);
            }
        }

        public bool Remove(T item)
        {
            lock (items)
            {
                return items.Remove(item);
            }
        }

        public IEnumerator<T> GetEnumerator()
        {
            lock (items)
            {
                return items.ToList().GetEnumerator();
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>An OTLP/HTTP collector that accepts everything and keeps what it was sent.</summary>
    public sealed class OtlpSink : IDisposable
    {
        private readonly HttpListener listener = new();
        private readonly LockedCollection<(string Path, string Body)> received = new();

        public OtlpSink()
        {
            using var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Endpoint = $"http://127.0.0.1:{port}";
            listener.Prefixes.Add($"{Endpoint}/");
            listener.Start();
            _ = Task.Run(ServeAsync);
        }

        public string Endpoint { get; }

        /// <summary>Each request's path and its body read as Latin-1, so protobuf's strings can be searched.</summary>
        public IReadOnlyList<(string Path, string Body)> Received => received.ToList();

        public void Dispose() => listener.Close();

        private async Task ServeAsync()
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                received.Add((context.Request.Url!.AbsolutePath, Encoding.Latin1.GetString(body.ToArray())));

                // An empty protobuf message is a complete Export…ServiceResponse: everything accepted.
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/x-protobuf";
                context.Response.ContentLength64 = 0;
                context.Response.Close();
            }
        }
    }
}
