using System.Text.Json;
using Governance.Api.Core.Auth;
using Governance.Api.PipelineRuns;
using Governance.EventLog;
using NodaTime;

namespace Governance.Api.Tests.Lineage;

/// <summary>Reading OpenLineage events and deciding what to record, table-driven.</summary>
public sealed class OpenLineageDeciderTests
{
    private static readonly Instant Now = Instant.FromUtc(2026, 11, 23, 9, 0);
    private static readonly Actor Pipeline = new("airflow", new HashSet<string> { "contributor" });

    private static RecordOpenLineageEvent Command(string json) => RecordOpenLineageEvent.From(JsonDocument.Parse(json).RootElement.Clone());

    [Theory]
    [InlineData("""{ "eventTime": "2026-11-23T10:00:00Z", "run": { "runId": "r" }, "job": { "namespace": "n", "name": "j" } }""", "RunEvent")]
    [InlineData("""{ "eventTime": "2026-11-23T10:00:00Z", "schemaURL": "https://openlineage.io/spec/1-0-5/OpenLineage.json#/definitions/RunEvent", "run": { "runId": "r" }, "job": { "namespace": "n", "name": "j" } }""", "RunEvent")]
    [InlineData("""{ "eventTime": "2026-11-23T10:00:00Z", "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent", "job": { "namespace": "n", "name": "j" } }""", "JobEvent")]
    [InlineData("""{ "eventTime": "2026-11-23T10:00:00Z", "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent", "dataset": { "namespace": "n", "name": "d" } }""", "DatasetEvent")]
    public void the_kind_comes_from_the_schema_url_and_is_a_run_event_without_one(string json, string kind) =>
        OpenLineageEvent.Read(JsonDocument.Parse(json).RootElement).Event!.Kind.ToString().ShouldBe(kind);

    [Theory]
    [InlineData("2026-11-23T10:00:00Z", "2026-11-23T10:00:00Z")]
    [InlineData("2025-10-24T15:08:00.001+10:00", "2025-10-24T05:08:00.001Z")]
    [InlineData("2026-11-23T10:00:00", "2026-11-23T10:00:00Z")]
    [InlineData("2026-11-23T10:00:00.123456789Z", "2026-11-23T10:00:00.123456789Z")]
    public void event_times_with_a_zone_an_offset_or_none_are_read(string sent, string instant) =>
        OpenLineageEvent.Read(JsonDocument.Parse($$"""{ "eventTime": "{{sent}}", "run": { "runId": "r" }, "job": { "namespace": "n", "name": "j" } }""").RootElement)
            .Event!.EventTime.ShouldBe(NodaTime.Text.InstantPattern.ExtendedIso.Parse(instant).Value);

    [Theory]
    [InlineData("s3://lake", "churn/train", null, "s3://lake/churn/train")]
    [InlineData("s3://lake", "churn/train", "42", "s3://lake/churn/train@42")]
    [InlineData("postgres://db:5432", "crm.public.customers", "7", "postgres://db:5432/crm.public.customers@7")]
    public void a_dataset_is_joined_on_namespace_slash_name_at_its_version(string ns, string name, string? version, string uri)
    {
        var facets = version is null ? "{}" : $$"""{ "version": { "_producer": "p", "_schemaURL": "s", "datasetVersion": "{{version}}" } }""";
        var e = OpenLineageEvent.Read(JsonDocument.Parse(
            $$"""{ "eventTime": "2026-11-23T10:00:00Z", "run": { "runId": "r" }, "job": { "namespace": "n", "name": "j" }, "inputs": [{ "namespace": "{{ns}}", "name": "{{name}}", "facets": {{facets}} }] }""").RootElement).Event!;
        e.Inputs.Single().Uri.ShouldBe(uri);
    }

    [Theory]
    [InlineData("""{ "parent": { "run": { "runId": "p" }, "job": { "namespace": "pn", "name": "pj" } } }""", "p")]
    [InlineData("""{ "parentRun": { "run": { "runId": "p" }, "job": { "namespace": "pn", "name": "pj" } } }""", "p")]
    [InlineData("""{ "parent": { "run": {}, "job": { "namespace": "pn", "name": "pj" } } }""", null)]
    [InlineData("""{ "parent": "not an object" }""", null)]
    public void a_parent_run_facet_is_read_when_complete_and_ignored_otherwise(string facets, string? parent) =>
        OpenLineageEvent.Read(JsonDocument.Parse(
            $$"""{ "eventTime": "2026-11-23T10:00:00Z", "run": { "runId": "r", "facets": {{facets}} }, "job": { "namespace": "n", "name": "j" } }""").RootElement)
            .Event!.Parent?.RunId.ShouldBe(parent);

    [Theory]
    [InlineData("new", "n", "recorded")]
    [InlineData("same event", "n", "unchanged")]
    [InlineData("other event", "n", "recorded")]
    [InlineData("other event", "other-namespace", "conflict")]
    public void an_event_is_recorded_once_and_a_run_keeps_its_job(string history, string jobNamespace, string expected)
    {
        const string First = """{ "eventType": "START", "eventTime": "2026-11-23T10:00:00Z", "run": { "runId": "r" }, "job": { "namespace": "n", "name": "j" } }""";
        var first = Command(First);
        var state = history == "new" ? null : PipelineRun.Initial.Evolve(Stored(RecordOpenLineageEvent.Decide(first, null, Now, Pipeline).Single()));
        var command = history == "same event" ? first
            : Command($$"""{ "eventType": "COMPLETE", "eventTime": "2026-11-23T10:05:00Z", "run": { "runId": "r" }, "job": { "namespace": "{{jobNamespace}}", "name": "j" } }""");
        var refusal = RecordOpenLineageEvent.Check(command, state);
        if (expected == "conflict")
        {
            refusal!.Status.ShouldBe(409);
            return;
        }

        refusal.ShouldBeNull();
        var events = RecordOpenLineageEvent.Decide(command, state, Now, Pipeline);
        switch (expected)
        {
            case "recorded":
                var received = events.Single().ShouldBeOfType<OpenLineageEventReceived>();
                received.RunId.ShouldBe("r");
                received.ReceivedBy.ShouldBe("airflow");
                received.Digest.ShouldBe(command.Digest);
                break;
            default:
                events.ShouldBeEmpty();
                break;
        }
    }

    private static StoredEvent Stored(object data) =>
        new(1, 1, Guid.NewGuid(), "pipelinerun-r", "pipelinerun", 1, "openlineage_event_received", data, new EventMetadata("airflow"), Now, []);
}
