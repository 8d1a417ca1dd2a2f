using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Governance.EventLog.Tests.Infrastructure;

namespace Governance.EventLog.Tests;

/// <summary>Marten's own traces and metrics are on in the log's configuration, for whoever listens.</summary>
public sealed class TelemetryTests(LogFixture fixture) : IClassFixture<LogFixture>
{
    private readonly TestLog log = fixture.Log;

    [Fact]
    public async Task a_session_that_appends_is_traced_on_martens_activity_source()
    {
        // Other tests run Marten sessions at the same time: keep only the spans under this test's own root.
        using var source = new ActivitySource("Governance.EventLog.Tests.Telemetry");
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is "Marten" || s == source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        ActivityTraceId trace;
        using (var root = source.StartActivity("append")!)
        {
            trace = root.TraceId;
            await log.StartStreamAsync("thing-traced", new ThingCreated("a"), new ThingRenamed("b"));
        }

        var marten = spans.Where(s => s.TraceId == trace && s.Source.Name == "Marten").ToList();
        marten.Select(s => s.OperationName).ShouldContain("marten.connection");
    }

    [Fact]
    public async Task appended_events_are_counted_by_marten_and_as_governance_events_appended()
    {
        // Each store has a meter of its own, so measurements of other tests' stores are not counted here.
        var meter = log.Store.Options.OpenTelemetry.Meter;
        var counted = new ConcurrentDictionary<string, long>();
        var eventTypes = new ConcurrentBag<object?>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter == meter)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            counted.AddOrUpdate(instrument.Name, value, (_, sum) => sum + value);
            foreach (var tag in tags)
            {
                if (instrument.Name == "marten.event.append" && tag.Key == "event.type")
                {
                    eventTypes.Add(tag.Value);
                }
            }
        });
        listener.Start();

        await log.StartStreamAsync("thing-counted", new ThingCreated("a"), new ThingRenamed("b"));
        await log.AppendAsync("thing-counted", new ThingRenamed("c"));

        meter.Name.ShouldBe("Marten");
        counted.GetValueOrDefault("governance.events.appended").ShouldBe(3);
        counted.GetValueOrDefault("marten.event.append").ShouldBe(3);
        eventTypes.ShouldBe(["thing_created", "thing_renamed", "thing_renamed"], ignoreOrder: true);
    }
}
