using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Governance.Api.Core.Json;

namespace Governance.Api.Tests.Harness;

/// <summary>Reading what came back from an Alba scenario the way our tests look at it.</summary>
public static class ScenarioResults
{
    private static readonly ConditionalWeakTable<IScenarioResult, JsonDocument> Parsed = new();

    /// <summary>JSON as the service writes it (unknown members skipped, so a test reads only what it names).</summary>
    public static JsonSerializerOptions Json { get; } = CreateJson();

    extension(IScenarioResult result)
    {
        /// <summary>The status.</summary>
        public HttpStatusCode StatusCode => (HttpStatusCode)result.Context.Response.StatusCode;

        /// <summary>The raw body.</summary>
        public string Body => result.ReadAsText();

        /// <summary>The media type of the body.</summary>
        public string? ContentType => ScenarioExtensions.MediaType(result.Context.Response.ContentType);

        /// <summary>The body as JSON.</summary>
        public JsonElement Json => Parsed.GetValue(result, r => JsonDocument.Parse(r.ReadAsText())).RootElement;

        /// <summary>A header of the response, its values joined by commas; null when absent.</summary>
        public string? Header(string name) =>
            result.Context.Response.Headers.TryGetValue(name, out var values) ? string.Join(",", values.ToArray()) : null;

        /// <summary>The body deserialized.</summary>
        public T Read<T>() => JsonSerializer.Deserialize<T>(result.ReadAsText(), Json) ?? throw new InvalidOperationException("Empty body.");
    }

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        JsonConfiguration.Apply(options);
        options.UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Skip;
        return options;
    }
}
