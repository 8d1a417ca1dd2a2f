using System.Net;
using System.Text;
using Governance.Api.Core.Storage;
using Governance.Api.Tests.Harness;
using Governance.Api.Tests.Registry;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Governance.Api.Tests.Conventions;

/// <summary>Retries are safe: a POST repeated with its Idempotency-Key gets the first answer and changes nothing.</summary>
public sealed class IdempotencyTests(GovernanceApp app) : IClassFixture<GovernanceApp>
{
    private const string Note = """{"title":"Retry me","body":"Pipelines retry.","tags":["ops"]}""";

    [Fact]
    public async Task the_same_key_and_body_answer_the_first_answer_and_append_nothing()
    {
        await app.RegisterModelAsync("idem-a");
        var first = await PostNoteAsync("idem-a", "key-a-1", Note);
        first.StatusCode.ShouldBe(HttpStatusCode.Created);
        var count = await app.EventCountAsync();

        var again = await PostNoteAsync("idem-a", "key-a-1", Note);

        again.StatusCode.ShouldBe(first.StatusCode);
        again.Body.ShouldBe(first.Body);
        again.Header("Location").ShouldBe(first.Header("Location"));
        again.Header("ETag").ShouldBe(first.Header("ETag"));
        again.ContentType.ShouldBe(first.ContentType);
        again.Header("Idempotent-Replayed").ShouldBe("true");
        first.Header("Idempotent-Replayed").ShouldBeNull();
        (await app.EventCountAsync()).ShouldBe(count);
        var stream = await app.Scenario(s => s.Get.Url("/api/v1/streams/model-idem-a/events").StatusCodeShouldBe(200));
        stream.Json.GetProperty("events").EnumerateArray().Count(e => e.GetProperty("type").GetString() == "knowledge_note_added").ShouldBe(1);
    }

    [Fact]
    public async Task the_same_key_with_another_body_or_path_is_422_and_appends_nothing()
    {
        await app.RegisterModelAsync("idem-b");
        await app.RegisterModelAsync("idem-b2");
        (await PostNoteAsync("idem-b", "key-b-1", Note)).StatusCode.ShouldBe(HttpStatusCode.Created);
        var count = await app.EventCountAsync();

        var otherBody = await PostNoteAsync("idem-b", "key-b-1", Note.Replace("Retry me", "Something else", StringComparison.Ordinal));
        otherBody.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        otherBody.ContentType.ShouldBe("application/problem+json");
        otherBody.Json.GetProperty("detail").GetString()!.ShouldStartWith("This Idempotency-Key was used with a different request");

        var otherPath = await PostNoteAsync("idem-b2", "key-b-1", Note);
        otherPath.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        otherPath.Json.GetProperty("detail").GetString()!.ShouldContain("/api/v1/models/idem-b/notes");
        (await app.EventCountAsync()).ShouldBe(count);
    }

    [Fact]
    public async Task keys_belong_to_the_principal_that_sent_them()
    {
        await app.RegisterModelAsync("idem-c");
        var other = await app.CreatePrincipalAsync("idem-writer", "contributor");
        var mine = await PostNoteAsync("idem-c", "shared-key", Note);
        var theirs = await PostNoteAsync("idem-c", "shared-key", Note, other);

        mine.StatusCode.ShouldBe(HttpStatusCode.Created);
        theirs.StatusCode.ShouldBe(HttpStatusCode.Created);
        theirs.Header("Location").ShouldNotBe(mine.Header("Location"));
        theirs.Header("Idempotent-Replayed").ShouldBeNull();
    }

    [Fact]
    public async Task sixteen_concurrent_requests_with_one_key_run_the_command_once()
    {
        await app.RegisterModelAsync("idem-d");
        var count = await app.EventCountAsync();
        using var start = new SemaphoreSlim(0);
        var requests = Enumerable.Range(0, 16).Select(async _ =>
        {
            using var client = app.Client();
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/models/idem-d/notes") { Content = new StringContent(Note, Encoding.UTF8, "application/json") };
            request.Headers.Add("Idempotency-Key", "burst");
            await start.WaitAsync();
            using var response = await client.SendAsync(request);
            return ((int)response.StatusCode, response.Headers.Location?.ToString(), await response.Content.ReadAsStringAsync());
        }).ToList();
        start.Release(16);
        var answers = await Task.WhenAll(requests);

        (await app.EventCountAsync()).ShouldBe(count + 1);
        var created = answers.Where(a => a.Item1 == 201).ToList();
        created.ShouldNotBeEmpty();
        created.Select(a => (a.Item2, a.Item3)).Distinct().Count().ShouldBe(1);
        answers.Where(a => a.Item1 != 201).ShouldAllBe(a => a.Item1 == 409 && a.Item3.Contains("still in progress"));
    }

    [Fact]
    public async Task a_refusal_is_not_remembered_so_the_retry_runs_again()
    {
        var missing = await PostNoteAsync("idem-later", "key-e-1", Note);
        missing.StatusCode.ShouldBe(HttpStatusCode.NotFound);

        await app.RegisterModelAsync("idem-later");
        (await PostNoteAsync("idem-later", "key-e-1", Note)).StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Theory]
    [InlineData(256)]
    [InlineData(-1)]
    public async Task a_malformed_key_is_400_and_appends_nothing(int length)
    {
        await app.RegisterModelAsync($"idem-f{length + 1}");
        var count = await app.EventCountAsync();
        var key = length > 0 ? new string('k', length) : "tab\there";
        var answer = await PostNoteAsync($"idem-f{length + 1}", key, Note);
        answer.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        answer.ContentType.ShouldBe("application/problem+json");
        answer.Json.GetProperty("errors").TryGetProperty("Idempotency-Key", out _).ShouldBeTrue();
        (await app.EventCountAsync()).ShouldBe(count);
    }

    [Fact]
    public async Task a_new_key_is_never_kept_so_a_replay_says_it_succeeded_without_repeating_it()
    {
        var first = await app.Scenario(s => s.Post.Json(new { name = "idem-pipe", roles = new[] { "viewer" } }).ToUrl("/api/v1/principals")
            .WithHeader("Idempotency-Key", "make-pipe").StatusCodeShouldBe(201));
        var apiKey = first.Json.GetProperty("apiKey").GetString()!;
        var count = await app.EventCountAsync();

        var again = await app.Scenario(s => s.Post.Json(new { name = "idem-pipe", roles = new[] { "viewer" } }).ToUrl("/api/v1/principals")
            .WithHeader("Idempotency-Key", "make-pipe").StatusCodeShouldBe(409).ShouldBeProblem());
        again.Header("Location").ShouldBe("/api/v1/principals/idem-pipe");
        again.Body.ShouldNotContain(apiKey);
        (await app.EventCountAsync()).ShouldBe(count);

        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM governance.idempotency_keys WHERE key = 'make-pipe' AND body IS NULL AND secret", connection);
        ((long)(await cmd.ExecuteScalarAsync())!).ShouldBe(1);
    }

    [Fact]
    public async Task the_openapi_document_offers_the_header_on_every_post_command()
    {
        var doc = await app.Scenario(s => s.Get.Url("/openapi/v1.json").Anonymous().StatusCodeShouldBe(200));
        var posts = 0;
        foreach (var path in doc.Json.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var header = operation.Value.TryGetProperty("parameters", out var parameters)
                    ? parameters.EnumerateArray().FirstOrDefault(p => p.GetProperty("name").GetString() == "Idempotency-Key")
                    : default;
                if (operation.Name == "post" && path.Name.StartsWith("/api/v1/", StringComparison.Ordinal))
                {
                    posts++;
                    header.ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Object, $"POST {path.Name} does not list Idempotency-Key");
                    header.GetProperty("in").GetString().ShouldBe("header");
                    (!header.TryGetProperty("required", out var required) || required.ValueKind == System.Text.Json.JsonValueKind.False).ShouldBeTrue();
                    operation.Value.GetProperty("responses").TryGetProperty("422", out _).ShouldBeTrue($"POST {path.Name} does not list 422");
                }
                else
                {
                    header.ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Undefined, $"{operation.Name} {path.Name} should not list Idempotency-Key");
                }
            }
        }

        posts.ShouldBeGreaterThan(20);
    }

    private Task<IScenarioResult> PostNoteAsync(string model, string key, string body, string? apiKey = null) =>
        app.Scenario(s => s.Post.Text(body, "application/json").ToUrl($"/api/v1/models/{model}/notes").WithHeader("Idempotency-Key", key).As(apiKey ?? GovernanceApp.AdminKey).IgnoreStatusCode());
}

/// <summary>Answers are remembered for 24 hours by the service's clock, then forgotten and swept.</summary>
public sealed class IdempotencyExpiryTests(GovernanceApp app) : IClassFixture<GovernanceApp>
{
    private const string Note = """{"title":"Daily","body":"Same every day."}""";

    [Fact]
    public async Task a_key_is_remembered_for_24_hours_and_then_runs_again()
    {
        await app.RegisterModelAsync("idem-x");
        var first = await PostAsync("idem-x", "daily");
        first.StatusCode.ShouldBe(HttpStatusCode.Created);

        app.Clock.Advance(NodaTime.Duration.FromHours(24) - NodaTime.Duration.FromSeconds(1));
        var replay = await PostAsync("idem-x", "daily");
        replay.Header("Idempotent-Replayed").ShouldBe("true");
        replay.Header("Location").ShouldBe(first.Header("Location"));

        var count = await app.EventCountAsync();
        app.Clock.Advance(NodaTime.Duration.FromSeconds(1));
        var fresh = await PostAsync("idem-x", "daily");
        fresh.StatusCode.ShouldBe(HttpStatusCode.Created);
        fresh.Header("Idempotent-Replayed").ShouldBeNull();
        fresh.Header("Location").ShouldNotBe(first.Header("Location"));
        (await app.EventCountAsync()).ShouldBe(count + 1);

        // And after another day with another body, the old key is simply new again.
        app.Clock.Advance(NodaTime.Duration.FromHours(25));
        (await app.Scenario(s => s.Post.Text("""{"title":"Other","body":"Another day."}""", "application/json").ToUrl("/api/v1/models/idem-x/notes")
            .WithHeader("Idempotency-Key", "daily").IgnoreStatusCode())).StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task expired_answers_are_swept()
    {
        await app.RegisterModelAsync("idem-y");
        (await PostAsync("idem-y", "to-sweep")).StatusCode.ShouldBe(HttpStatusCode.Created);
        var cleanup = app.Services.GetRequiredService<ExpiredRecordsCleanup>();
        await cleanup.RunOnceAsync(CancellationToken.None);
        (await RowsAsync("to-sweep")).ShouldBe(1);

        app.Clock.Advance(NodaTime.Duration.FromHours(24));
        await cleanup.RunOnceAsync(CancellationToken.None);
        (await RowsAsync("to-sweep")).ShouldBe(0);
    }

    private Task<IScenarioResult> PostAsync(string model, string key) =>
        app.Scenario(s => s.Post.Text(Note, "application/json").ToUrl($"/api/v1/models/{model}/notes").WithHeader("Idempotency-Key", key).IgnoreStatusCode());

    private async Task<long> RowsAsync(string key)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM governance.idempotency_keys WHERE key = $1", connection);
        cmd.Parameters.Add(new() { Value = key });
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
