using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using Governance.Api.Tests.Harness;
using Governance.Api.Tests.Registry;

namespace Governance.Api.Tests.Lineage;

/// <summary>
/// POST /lineage with events shaped like the OpenLineage spec's own examples and real producers' (Airflow, Spark, dbt),
/// drawn into GET /lineage and joined to the registry by URI in either order.
/// </summary>
public sealed class OpenLineageTests(GovernanceApp app) : IClassFixture<GovernanceApp>
{
    private const string Producer = "https://github.com/apache/airflow/tree/providers-openlineage/1.14.0";

    // An Airflow task run: parent facet pointing at its DAG run, a Postgres input with schema and dataSource facets, an S3
    // output with a version facet, and a custom facet the service does not know.
    private static string AirflowTask(string runId, string eventType, string eventTime, string dagRunId, string outputName, string? outputVersion = null) => $$"""
        {
          "eventType": "{{eventType}}",
          "eventTime": "{{eventTime}}",
          "producer": "{{Producer}}",
          "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
          "run": {
            "runId": "{{runId}}",
            "facets": {
              "parent": {
                "_producer": "{{Producer}}",
                "_schemaURL": "https://openlineage.io/spec/facets/1-1-0/ParentRunFacet.json#/$defs/ParentRunFacet",
                "run": { "runId": "{{dagRunId}}" },
                "job": { "namespace": "airflow://prod", "name": "churn_features" }
              },
              "airflow_taskInfo": { "_producer": "{{Producer}}", "_schemaURL": "https://example.com/x.json", "pool": "default_pool", "queue": "q1" }
            }
          },
          "job": {
            "namespace": "airflow://prod",
            "name": "churn_features.build_training_set",
            "facets": { "jobType": { "_producer": "{{Producer}}", "_schemaURL": "https://openlineage.io/spec/facets/2-0-3/JobTypeJobFacet.json", "processingType": "BATCH", "integration": "AIRFLOW", "jobType": "TASK" } }
          },
          "inputs": [{
            "namespace": "postgres://warehouse:5432",
            "name": "crm.public.customers",
            "facets": {
              "schema": { "_producer": "{{Producer}}", "_schemaURL": "https://openlineage.io/spec/facets/1-2-0/SchemaDatasetFacet.json", "fields": [{ "name": "id", "type": "bigint" }, { "name": "churned", "type": "boolean" }] },
              "dataSource": { "_producer": "{{Producer}}", "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/DatasourceDatasetFacet.json", "name": "warehouse", "uri": "postgres://warehouse:5432" }
            }
          }],
          "outputs": [{
            "namespace": "s3://data",
            "name": "{{outputName}}",
            "facets": { {{(outputVersion is null ? "" : $$"""
              "version": { "_producer": "{{Producer}}", "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/DatasetVersionDatasetFacet.json", "datasetVersion": "{{outputVersion}}" }
        """)}} },
            "outputFacets": { "outputStatistics": { "_producer": "{{Producer}}", "_schemaURL": "https://openlineage.io/spec/facets/1-0-2/OutputStatisticsOutputDatasetFacet.json", "rowCount": 1000 } }
          }]
        }
        """;

    // The spec's minimal event (Marquez's event_required_only fixture): no eventType, 1.x schemaURL.
    private static string Minimal(string runId, string job = "myjob") => $$"""
        { "eventTime": "2020-12-28T19:51:01.641Z", "run": { "runId": "{{runId}}" }, "job": { "namespace": "my-namespace", "name": "{{job}}" },
          "producer": "https://github.com/OpenLineage/OpenLineage/blob/v1-0-0/client",
          "schemaURL": "https://openlineage.io/spec/1-0-1/OpenLineage.json#/definitions/RunEvent" }
        """;

    private Task<IScenarioResult> PostAsync(string body, int status = 201) =>
        app.Scenario(s => s.Post.Text(body, "application/json").ToUrl("/api/v1/lineage").StatusCodeShouldBe(status));

    private async Task<JsonElement> GraphAsync(string node, string direction = "both") =>
        (await app.Scenario(s => s.Get.Url($"/api/v1/lineage?node={Uri.EscapeDataString(node)}&direction={direction}&depth=10").StatusCodeShouldBe(200))).Json;

    private static List<string> Ids(JsonElement graph) => [.. graph.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("id").GetString()!)];

    private static List<(string, string, string)> Edges(JsonElement graph) =>
        [.. graph.GetProperty("edges").EnumerateArray().Select(e => (e.GetProperty("from").GetString()!, e.GetProperty("to").GetString()!, e.GetProperty("kind").GetString()!))];

    private static string Label(JsonElement graph, string id) =>
        graph.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("id").GetString() == id).GetProperty("label").GetString()!;

    [Fact]
    public async Task an_airflow_task_started_then_completed_is_a_run_of_its_job_under_its_dag_run_between_its_datasets()
    {
        var runId = Guid.CreateVersion7().ToString();
        var dagRun = Guid.CreateVersion7().ToString();
        var started = await PostAsync(AirflowTask(runId, "START", "2026-11-23T08:00:00.000+10:00", dagRun, "features/airflow-1"));
        started.Json.GetProperty("kind").GetString().ShouldBe("RunEvent");
        started.Json.GetProperty("node").GetString().ShouldBe($"pipelinerun:{runId}");
        started.Context.Response.Headers.Location.ToString().ShouldBe($"/api/v1/streams/pipelinerun-{runId}/events");
        Label(await GraphAsync($"pipelinerun:{runId}"), $"pipelinerun:{runId}").ShouldBe("airflow://prod/churn_features.build_training_set (START)");

        await PostAsync(AirflowTask(runId, "COMPLETE", "2026-11-23T08:05:00.000+10:00", dagRun, "features/airflow-1"));
        var graph = await GraphAsync($"pipelinerun:{runId}");
        Label(graph, $"pipelinerun:{runId}").ShouldBe("airflow://prod/churn_features.build_training_set (COMPLETE)");
        Ids(graph).ShouldBe([
            "external:postgres://warehouse:5432/crm.public.customers", "external:s3://data/features/airflow-1",
            "job:airflow://prod/churn_features", "job:airflow://prod/churn_features.build_training_set",
            $"pipelinerun:{dagRun}", $"pipelinerun:{runId}"], ignoreOrder: true);
        Edges(graph).ShouldBe([
            ("external:postgres://warehouse:5432/crm.public.customers", $"pipelinerun:{runId}", "read_by"),
            ($"pipelinerun:{runId}", "external:s3://data/features/airflow-1", "produced_by"),
            ("job:airflow://prod/churn_features.build_training_set", $"pipelinerun:{runId}", "run_of"),
            ("job:airflow://prod/churn_features", $"pipelinerun:{dagRun}", "run_of"),
            ($"pipelinerun:{dagRun}", $"pipelinerun:{runId}", "child_of")], ignoreOrder: true);
        Label(graph, $"pipelinerun:{dagRun}").ShouldBe("airflow://prod/churn_features");
    }

    [Fact]
    public async Task each_event_is_kept_whole_in_the_run_stream_unknown_facets_included()
    {
        var runId = Guid.CreateVersion7().ToString();
        var sent = AirflowTask(runId, "START", "2026-11-23T08:00:00Z", Guid.CreateVersion7().ToString(), "features/kept");
        await PostAsync(sent);
        var stream = await app.Scenario(s => s.Get.Url($"/api/v1/streams/pipelinerun-{runId}/events").StatusCodeShouldBe(200));
        var stored = stream.Json.GetProperty("events")[0];
        stored.GetProperty("type").GetString().ShouldBe("openlineage_event_received");
        var kept = stored.GetProperty("data").GetProperty("event");
        JsonNodeEquals(kept, JsonDocument.Parse(sent).RootElement).ShouldBeTrue();
        kept.GetProperty("run").GetProperty("facets").GetProperty("airflow_taskInfo").GetProperty("pool").GetString().ShouldBe("default_pool");
    }

    [Fact]
    public async Task a_late_start_does_not_undo_a_completed_run()
    {
        var runId = Guid.CreateVersion7().ToString();
        await PostAsync(AirflowTask(runId, "COMPLETE", "2026-11-23T08:05:00Z", Guid.CreateVersion7().ToString(), "features/late"));
        await PostAsync(AirflowTask(runId, "START", "2026-11-23T08:00:00Z", Guid.CreateVersion7().ToString(), "features/late"));
        Label(await GraphAsync($"pipelinerun:{runId}"), $"pipelinerun:{runId}").ShouldEndWith("(COMPLETE)");
    }

    [Fact]
    public async Task the_same_event_sent_twice_is_recorded_once()
    {
        var body = Minimal(Guid.CreateVersion7().ToString());
        await PostAsync(body);
        var before = await app.EventCountAsync();
        var again = await PostAsync(body, 200);
        again.Json.GetProperty("duplicate").GetBoolean().ShouldBeTrue();
        (await app.EventCountAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task a_spark_event_sent_gzip_encoded_is_recorded()
    {
        var runId = Guid.CreateVersion7().ToString();
        var body = $$"""
            { "eventType": "COMPLETE", "eventTime": "2026-11-23T09:00:00.123456Z", "producer": "https://github.com/OpenLineage/OpenLineage/tree/1.25.0/integration/spark",
              "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
              "run": { "runId": "{{runId}}", "facets": { "spark_properties": { "_producer": "p", "_schemaURL": "s", "properties": { "spark.master": "local[*]" } },
                       "processing_engine": { "_producer": "p", "_schemaURL": "s", "version": "3.5.1", "name": "spark" } } },
              "job": { "namespace": "spark-cluster", "name": "churn_etl.execute_insert_into_hadoop_fs_relation_command" },
              "inputs": [{ "namespace": "hdfs://namenode:8020", "name": "/raw/events", "facets": {}, "inputFacets": { "inputStatistics": { "_producer": "p", "_schemaURL": "s", "rowCount": 10 } } }],
              "outputs": [{ "namespace": "s3://data", "name": "spark/out", "facets": { "columnLineage": { "_producer": "p", "_schemaURL": "s", "fields": {} } } }] }
            """;
        using var compressed = new MemoryStream();
        await using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            await gzip.WriteAsync(Encoding.UTF8.GetBytes(body));
        }

        await app.Scenario(s =>
        {
            s.Post.Bytes(compressed.ToArray()).ToUrl("/api/v1/lineage");
            s.WithRequestHeader("Content-Encoding", "gzip");
            s.StatusCodeShouldBe(201);
        });
        Ids(await GraphAsync($"pipelinerun:{runId}")).ShouldContain("external:hdfs://namenode:8020//raw/events");
    }

    [Fact]
    public async Task a_gzip_body_that_unpacks_past_the_limit_is_413_and_stores_nothing()
    {
        var huge = "{\"eventTime\":\"2026-11-23T09:00:00Z\",\"pad\":\"" + new string('a', 3 * 1024 * 1024) + "\"}";
        using var compressed = new MemoryStream();
        await using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            await gzip.WriteAsync(Encoding.UTF8.GetBytes(huge));
        }

        var before = await app.EventCountAsync();
        await app.Scenario(s =>
        {
            s.Post.Bytes(compressed.ToArray()).ToUrl("/api/v1/lineage");
            s.WithRequestHeader("Content-Encoding", "gzip");
            s.StatusCodeShouldBe(413);
            s.ShouldBeProblem();
        });
        (await app.EventCountAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task dbt_job_and_dataset_events_are_stored_and_the_job_is_drawn()
    {
        const string JobEvent = """
            { "eventTime": "2026-11-23T07:00:00Z", "producer": "https://github.com/OpenLineage/OpenLineage/tree/1.25.0/integration/dbt",
              "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent",
              "job": { "namespace": "dbt://analytics", "name": "analytics.churn.customer_features",
                       "facets": { "sql": { "_producer": "p", "_schemaURL": "s", "query": "select * from customers" } } },
              "inputs": [{ "namespace": "postgres://warehouse:5432", "name": "crm.public.customers" }],
              "outputs": [{ "namespace": "postgres://warehouse:5432", "name": "analytics.churn.customer_features" }] }
            """;
        var job = await PostAsync(JobEvent);
        job.Json.GetProperty("kind").GetString().ShouldBe("JobEvent");
        job.Json.GetProperty("streamId").GetString().ShouldBe("pipelinejob-dbt://analytics/analytics.churn.customer_features");
        var graph = await GraphAsync("job:dbt://analytics/analytics.churn.customer_features");
        Edges(graph).ShouldContain(("job:dbt://analytics/analytics.churn.customer_features", "external:postgres://warehouse:5432/analytics.churn.customer_features", "produced_by"));

        const string DatasetEvent = """
            { "eventTime": "2026-11-23T07:00:00Z", "producer": "https://github.com/OpenLineage/OpenLineage/tree/1.25.0/integration/dbt",
              "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent",
              "dataset": { "namespace": "postgres://warehouse:5432", "name": "analytics.churn.labels",
                           "facets": { "schema": { "_producer": "p", "_schemaURL": "s", "fields": [{ "name": "label", "type": "boolean" }] } } } }
            """;
        var dataset = await PostAsync(DatasetEvent);
        dataset.Json.GetProperty("kind").GetString().ShouldBe("DatasetEvent");
        Ids(await GraphAsync("external:postgres://warehouse:5432/analytics.churn.labels")).ShouldBe(["external:postgres://warehouse:5432/analytics.churn.labels"]);
    }

    [Fact]
    public async Task an_event_first_and_the_registration_after_join_on_the_uri()
    {
        var runId = Guid.CreateVersion7().ToString();
        await PostAsync(AirflowTask(runId, "COMPLETE", "2026-11-23T08:00:00Z", Guid.CreateVersion7().ToString(), "ol-late/v1"));
        Ids(await GraphAsync($"pipelinerun:{runId}")).ShouldContain("external:s3://data/ol-late/v1");

        await app.RegisterDatasetAsync("ol-late", "v1");
        var graph = await GraphAsync("dataset:ol-late@v1", "upstream");
        Edges(graph).ShouldContain(($"pipelinerun:{runId}", "dataset:ol-late@v1", "produced_by"));
        Ids(graph).ShouldContain("job:airflow://prod/churn_features.build_training_set");
        await app.Scenario(s => s.Get.Url($"/api/v1/lineage?node={Uri.EscapeDataString("external:s3://data/ol-late/v1")}").StatusCodeShouldBe(404));
    }

    [Fact]
    public async Task a_model_versions_upstream_runs_through_the_jobs_that_made_its_training_data()
    {
        await app.RegisterModelAsync("ol-model");
        await app.RegisterDatasetAsync("ol-train", "v1");
        await app.RegisterVersionAsync("ol-model", "1.0", ["ol-train@v1"]);
        var runId = Guid.CreateVersion7().ToString();
        var dagRun = Guid.CreateVersion7().ToString();
        await PostAsync(AirflowTask(runId, "COMPLETE", "2026-11-23T08:00:00Z", dagRun, "ol-train/v1"));

        var graph = await GraphAsync("model:ol-model@1.0", "upstream");
        Ids(graph).ShouldBe([
            "dataset:ol-train@v1", "external:postgres://warehouse:5432/crm.public.customers", "job:airflow://prod/churn_features",
            "job:airflow://prod/churn_features.build_training_set", "model:ol-model@1.0", $"pipelinerun:{dagRun}", $"pipelinerun:{runId}"], ignoreOrder: true);
        Edges(graph).ShouldContain(("dataset:ol-train@v1", "model:ol-model@1.0", "trained_on"));
        Edges(graph).ShouldContain(($"pipelinerun:{runId}", "dataset:ol-train@v1", "produced_by"));
        Ids(graph).ShouldNotContain("external:s3://data/ol-train/v1");
    }

    [Fact]
    public async Task a_version_facet_joins_on_the_uri_with_the_version_and_a_model_artifact_is_the_model_version()
    {
        await app.Scenario(s => s.Post.Json(new { version = "2026-11", uri = "s3://data/snap/table@9001", digest = RegistryScenarios.Digest(9001) })
            .ToUrl("/api/v1/datasets/snap/versions").StatusCodeShouldBe(201));
        await app.RegisterModelAsync("ol-artifact");
        await app.RegisterVersionAsync("ol-artifact", "3.0");
        var runId = Guid.CreateVersion7().ToString();
        var training = $$"""
            { "eventType": "COMPLETE", "eventTime": "2026-11-23T10:00:00Z", "run": { "runId": "{{runId}}" }, "job": { "namespace": "ml", "name": "train_ol_artifact" },
              "inputs": [{ "namespace": "s3://data", "name": "snap/table", "facets": { "version": { "_producer": "p", "_schemaURL": "s", "datasetVersion": "9001" } } }],
              "outputs": [{ "namespace": "s3://models", "name": "ol-artifact/3.0", "facets": { "datasetType": { "_producer": "p", "_schemaURL": "s", "datasetType": "MODEL" } } }] }
            """;
        await PostAsync(training);
        var graph = await GraphAsync("model:ol-artifact@3.0", "upstream");
        Edges(graph).ShouldBe([
            ("dataset:snap@2026-11", $"pipelinerun:{runId}", "read_by"),
            ($"pipelinerun:{runId}", "model:ol-artifact@3.0", "produced_by"),
            ("job:ml/train_ol_artifact", $"pipelinerun:{runId}", "run_of")], ignoreOrder: true);
    }

    [Fact]
    public async Task the_spec_minimal_event_without_event_type_and_times_without_a_zone_or_with_an_offset_are_accepted()
    {
        await PostAsync(Minimal(Guid.CreateVersion7().ToString()));
        await PostAsync($$"""{ "eventTime": "2026-11-23T10:00:00", "run": { "runId": "not-a-uuid-{{Guid.NewGuid():N}}" }, "job": { "namespace": "n", "name": "j" } }""");
        await PostAsync($$"""{ "eventTime": "2025-10-24T15:08:00.001+10:00", "eventType": "OTHER", "run": { "runId": "{{Guid.NewGuid()}}" }, "job": { "namespace": "n", "name": "j" } }""");
    }

    [Fact]
    public async Task a_run_id_is_one_run_of_one_job()
    {
        var runId = Guid.CreateVersion7().ToString();
        await PostAsync(Minimal(runId, "first-job"));
        var before = await app.EventCountAsync();
        await app.Scenario(s => s.Post.Text(Minimal(runId, "other-job"), "application/json").ToUrl("/api/v1/lineage").StatusCodeShouldBe(409).ShouldBeProblem());
        (await app.EventCountAsync()).ShouldBe(before);
    }

    [Theory]
    [InlineData("""{ "run": { "runId": "r1" }, "job": { "namespace": "n", "name": "j" } }""", "eventTime")]
    [InlineData("""{ "eventTime": "yesterday", "run": { "runId": "r1" }, "job": { "namespace": "n", "name": "j" } }""", "eventTime")]
    [InlineData("""{ "eventTime": "-0001-01-01T00:00:00Z", "run": { "runId": "r1" }, "job": { "namespace": "n", "name": "j" } }""", "eventTime")]
    [InlineData("""{ "eventTime": "9999-12-31T23:59:59+01:00", "run": { "runId": "r1" }, "job": { "namespace": "n", "name": "j" } }""", "eventTime")]
    [InlineData("""{ "eventTime": 12, "run": { "runId": "r1" }, "job": { "namespace": "n", "name": "j" } }""", "eventTime")]
    [InlineData("""{ "eventTime": "2026-11-23T10:00:00Z", "job": { "namespace": "n", "name": "j" } }""", "run")]
    [InlineData("""{ "eventTime": "2026-11-23T10:00:00Z", "run": {}, "job": { "namespace": "n", "name": "j" } }""", "run.runId")]
    [InlineData("""{ "eventTime": "2026-11-23T10:00:00Z", "run": { "runId": "" }, "job": { "namespace": "n", "name": "j" } }""", "run.runId")]
    [InlineData("""{ "eventTime": "2026-11-23T10:00:00Z", "run": { "runId": 7 }, "job": { "namespace": "n", "name": "j" } }""", "run.runId")]
    [InlineData("""{ "eventTime": "2026-11-23T10:00:00Z", "run": { "runId": "r1" }, "job": { "name": "j" } }""", "job.namespace")]
    [InlineData("""{ "eventTime": "2026-11-23T10:00:00Z", "run": { "runId": "r1" }, "job": { "namespace": "n" } }""", "job.name")]
    [InlineData("""{ "eventTime": "2026-11-23T10:00:00Z", "run": { "runId": "r1" } }""", "job")]
    [InlineData("""{ "eventTime": "2026-11-23T10:00:00Z", "eventType": "DONE", "run": { "runId": "r1" }, "job": { "namespace": "n", "name": "j" } }""", "eventType")]
    [InlineData("""{ "eventTime": "2026-11-23T10:00:00Z", "run": { "runId": "r1" }, "job": { "namespace": "n", "name": "j" }, "inputs": [{ "namespace": "n" }] }""", "inputs[0].name")]
    [InlineData("""{ "eventTime": "2026-11-23T10:00:00Z", "run": { "runId": "r1" }, "job": { "namespace": "n", "name": "j" }, "outputs": {} }""", "outputs")]
    [InlineData("""{ "eventTime": "2026-11-23T10:00:00Z", "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent", "dataset": { "name": "d" } }""", "dataset.namespace")]
    [InlineData("""[1, 2]""", "body")]
    [InlineData("""{ "eventTime": "2026-11-23T10:00:00Z", "run": { "runId": "r1", """, "body")]
    public async Task a_malformed_event_is_400_naming_the_field_and_stores_nothing(string body, string field)
    {
        var before = await app.EventCountAsync();
        var answer = await app.Scenario(s => s.Post.Text(body, "application/json").ToUrl("/api/v1/lineage").StatusCodeShouldBe(400).ShouldBeProblem());
        answer.Json.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(answer.Body);
        answer.Body.ShouldNotContain("System.");
        answer.Body.ShouldNotContain("Governance.");
        (await app.EventCountAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task names_longer_than_an_index_entry_takes_are_400_not_a_server_error()
    {
        var before = await app.EventCountAsync();
        var longName = string.Concat(Enumerable.Repeat("名", 200));
        var body = $$"""{ "eventTime": "2026-11-23T10:00:00Z", "run": { "runId": "r-long" }, "job": { "namespace": "n", "name": "j" }, "outputs": [{ "namespace": "s3://x", "name": "{{longName}}" }] }""";
        var answer = await app.Scenario(s => s.Post.Text(body, "application/json").ToUrl("/api/v1/lineage").StatusCodeShouldBe(400).ShouldBeProblem());
        answer.Json.GetProperty("errors").GetProperty("outputs[0].name")[0].GetString().ShouldBe("'outputs[0].name' must be at most 400 bytes long (UTF-8).");
        (await app.EventCountAsync()).ShouldBe(before);

        var longest = string.Concat(Enumerable.Repeat("ü", 200));
        var runId = string.Concat(Enumerable.Repeat("r", 200));
        var fits = $$"""{ "eventTime": "2026-11-23T10:00:00Z", "run": { "runId": "{{runId}}" }, "job": { "namespace": "{{longest}}", "name": "{{longest}}" }, "outputs": [{ "namespace": "{{longest}}", "name": "{{longest}}", "facets": { "version": { "datasetVersion": "{{longest}}" } } }] }""";
        await PostAsync(fits);
    }

    [Fact]
    public async Task a_body_over_the_limit_is_413_and_one_not_sent_as_json_is_415()
    {
        var before = await app.EventCountAsync();
        await app.Scenario(s => s.Post.Text(new string(' ', 2 * 1024 * 1024), "application/json").ToUrl("/api/v1/lineage").StatusCodeShouldBe(413).ShouldBeProblem());
        await app.Scenario(s => s.Post.Text(Minimal("r-text"), "text/plain").ToUrl("/api/v1/lineage").StatusCodeShouldBe(415).ShouldBeProblem());
        (await app.EventCountAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task a_viewer_may_read_lineage_but_not_record_events()
    {
        var viewer = await app.CreatePrincipalAsync("ol-viewer", GovernanceApp.Role.Viewer);
        var contributor = await app.CreatePrincipalAsync("ol-contributor", GovernanceApp.Role.Contributor);
        await app.Scenario(s => s.Post.Text(Minimal("r-viewer"), "application/json").ToUrl("/api/v1/lineage").As(viewer).StatusCodeShouldBe(403));
        await app.Scenario(s => s.Post.Text(Minimal("r-contributor"), "application/json").ToUrl("/api/v1/lineage").As(contributor).StatusCodeShouldBe(201));
        await app.Scenario(s => s.Get.Url("/api/v1/lineage?node=pipelinerun:r-contributor").As(viewer).StatusCodeShouldBe(200));
    }

    private static bool JsonNodeEquals(JsonElement a, JsonElement b) => JsonElement.DeepEquals(a, b);
}
