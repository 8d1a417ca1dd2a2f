using Governance.Api.Tests.Harness;

namespace Governance.Api.Tests.Registry;

/// <summary>Lineage over HTTP: datasets → runs → versions, in both directions, bounded by depth; and the impact of bad data.</summary>
public sealed class LineageTests(GovernanceApp app) : IClassFixture<GovernanceApp>, IAsyncLifetime
{
    public async Task InitializeAsync()
    {
        if ((await app.Scenario(s => s.Get.Url("/api/v1/models/lin-model").IgnoreStatusCode())).StatusCode == System.Net.HttpStatusCode.OK)
        {
            return;
        }

        await app.RegisterModelAsync("lin-model");
        await app.RegisterDatasetAsync("raw", "v1");
        await app.RegisterDatasetAsync("features", "v1", "raw@v1");
        await app.RegisterDatasetAsync("holdout", "v1");
        var exp = await app.StartExperimentAsync("lin-model");
        await app.RecordRunAsync(exp, "run-a", "features@v1");
        await app.RegisterVersionAsync("lin-model", "1.0", ["features@v1"], exp, "run-a");
        await app.RegisterVersionAsync("lin-model", "1.1", [], parents: ["lin-model@1.0"]);
        await app.RegisterVersionAsync("lin-model", "2.0", ["holdout@v1"]);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task upstream_of_a_version_shows_its_data_its_run_and_where_the_data_came_from()
    {
        var graph = await app.Scenario(s => s.Get.Url("/api/v1/lineage?node=model:lin-model@1.0&direction=upstream&depth=10").StatusCodeShouldBe(200));
        var ids = graph.Json.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("id").GetString()).ToList();
        ids.ShouldBe(["dataset:features@v1", "dataset:raw@v1", "model:lin-model@1.0", $"run:{ids.Single(i => i!.StartsWith("run:", StringComparison.Ordinal))![4..]}"], ignoreOrder: true);
        var edges = graph.Json.GetProperty("edges").EnumerateArray().Select(e => (e.GetProperty("from").GetString(), e.GetProperty("to").GetString(), e.GetProperty("kind").GetString())).ToList();
        edges.ShouldContain(("dataset:raw@v1", "dataset:features@v1", "derived_from"));
        edges.ShouldContain(("dataset:features@v1", "model:lin-model@1.0", "trained_on"));
        edges.Count(e => e.Item3 == "produced_by").ShouldBe(1);
    }

    [Fact]
    public async Task downstream_of_raw_data_reaches_derived_versions_and_depth_bounds_the_walk()
    {
        var deep = await app.Scenario(s => s.Get.Url("/api/v1/lineage?node=dataset:raw@v1&direction=downstream&depth=10").StatusCodeShouldBe(200));
        deep.Json.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("id").GetString()).ShouldContain("model:lin-model@1.1");
        var shallow = await app.Scenario(s => s.Get.Url("/api/v1/lineage?node=dataset:raw@v1&direction=downstream&depth=1").StatusCodeShouldBe(200));
        shallow.Json.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("id").GetString()).ShouldBe(["dataset:features@v1", "dataset:raw@v1"], ignoreOrder: true);
    }

    [Fact]
    public async Task both_directions_is_the_default()
    {
        var graph = await app.Scenario(s => s.Get.Url("/api/v1/lineage?node=model:lin-model@1.0").StatusCodeShouldBe(200));
        var ids = graph.Json.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("id").GetString()).ToList();
        ids.ShouldContain("dataset:features@v1");
        ids.ShouldContain("model:lin-model@1.1");
        ids.ShouldNotContain("model:lin-model@2.0");
    }

    [Theory]
    [InlineData("node=model:lin-model@1.0&direction=sideways")]
    [InlineData("node=model:lin-model@1.0&depth=0")]
    [InlineData("node=model:lin-model@1.0&depth=500")]
    [InlineData("node=lin-model")]
    [InlineData("direction=upstream")]
    public async Task a_bad_lineage_query_is_400(string query)
    {
        await app.Scenario(s => s.Get.Url("/api/v1/lineage?" + query).StatusCodeShouldBe(400).ShouldBeProblem());
    }

    [Fact]
    public async Task an_unknown_node_is_404()
    {
        await app.Scenario(s => s.Get.Url("/api/v1/lineage?node=model:lin-model@9.9").StatusCodeShouldBe(404).ShouldBeProblem());
    }

    [Fact]
    public async Task the_impact_of_bad_raw_data_lists_every_version_trained_on_it_or_on_data_derived_from_it()
    {
        var impact = await app.Scenario(s => s.Get.Url("/api/v1/datasets/raw/versions/v1/impact").StatusCodeShouldBe(200));
        impact.Json.GetProperty("modelVersions").EnumerateArray().Select(v => v.GetProperty("version").GetString())
            .ShouldBe(["1.0", "1.1"], ignoreOrder: true);
        impact.Json.GetProperty("modelVersions")[0].GetProperty("deployments").GetArrayLength().ShouldBe(0);
        await app.Scenario(s => s.Get.Url("/api/v1/datasets/raw/versions/v7/impact").StatusCodeShouldBe(404));
    }
}
