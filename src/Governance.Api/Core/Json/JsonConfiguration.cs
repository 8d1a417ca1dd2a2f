using System.Text.Json;
using System.Text.Json.Serialization;
using Governance.EventLog;

namespace Governance.Api.Core.Json;

/// <summary>
/// The one JSON shape of the service: the log's (<see cref="EventJson"/>: camelCase, enums as strings, NodaTime as
/// ISO-8601 through NodaTime.Serialization.SystemTextJson), strict about unknown and duplicated fields, and strict
/// about the range of instants, dates and durations (<see cref="RequestConverters"/>).
/// </summary>
public static class JsonConfiguration
{
    /// <summary>Applies the shared settings to <paramref name="options"/>.</summary>
    public static void Apply(JsonSerializerOptions options)
    {
        // Ahead of the log's converters, which stay lenient so that the log can always be read back.
        foreach (var converter in RequestConverters.All)
        {
            options.Converters.Add(converter);
        }

        EventJson.Configure(options);
        options.PropertyNameCaseInsensitive = true;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.NumberHandling = JsonNumberHandling.Strict;
        options.ReadCommentHandling = JsonCommentHandling.Disallow;
        options.MaxDepth = 32;

        // A misspelt field ("requiredApproval") is a client error, not something to ignore silently.
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;

        // {"name":"a","name":"admin"} must not let the second value slip past whatever checked the first.
        options.AllowDuplicateProperties = false;
    }

    /// <summary>Configures minimal API JSON.</summary>
    public static WebApplicationBuilder AddGovernanceJson(this WebApplicationBuilder builder)
    {
        builder.Services.ConfigureHttpJsonOptions(o => Apply(o.SerializerOptions));
        return builder;
    }
}
