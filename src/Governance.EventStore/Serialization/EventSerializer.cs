using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Governance.EventStore.Serialization;

/// <summary>Turns events into JSON for the log and back, applying upcasters on read.</summary>
public sealed class EventSerializer
{
    public EventSerializer(EventTypeRegistry registry, JsonSerializerOptions? options = null)
    {
        Registry = registry;
        Options = options ?? CreateDefaultOptions();
    }

    /// <summary>The registry of event names.</summary>
    public EventTypeRegistry Registry { get; }

    /// <summary>The options used for event bodies and metadata.</summary>
    public JsonSerializerOptions Options { get; }

    /// <summary>camelCase, enums as strings, NodaTime as ISO-8601: the one JSON shape of the system.</summary>
    public static JsonSerializerOptions CreateDefaultOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        options.AddNodaTime();
        return options;
    }

    /// <summary>The stored name and JSON body of an event.</summary>
    public (string Type, string Json) Serialize(object @event)
    {
        var type = Registry.NameOf(@event.GetType());
        return (type, JsonSerializer.Serialize(@event, @event.GetType(), Options));
    }

    /// <summary>JSON for metadata.</summary>
    public string SerializeMetadata(EventMetadata metadata) => JsonSerializer.Serialize(metadata, Options);

    /// <summary>Metadata from JSON.</summary>
    public EventMetadata DeserializeMetadata(string json) =>
        JsonSerializer.Deserialize<EventMetadata>(json, Options) ?? EventMetadata.Empty;

    /// <summary>
    /// The event for a stored row: upcasters applied, then the registered type; an unknown name becomes a
    /// <see cref="JsonObject"/> so that old or foreign events can still be read, audited and verified.
    /// </summary>
    public (string Type, object Data) Deserialize(string type, string json)
    {
        var seen = 0;
        JsonObject? transformed = null;
        while (Registry.TryGetUpcaster(type, out var upcaster))
        {
            if (++seen > 16)
            {
                throw new InvalidOperationException($"Upcasters for '{type}' loop.");
            }

            transformed = upcaster.Transform(transformed ?? (JsonNode.Parse(json)?.AsObject() ?? []));
            type = upcaster.NewName;
        }

        var clrType = Registry.TypeOf(type);
        if (clrType is null)
        {
            return (type, transformed ?? JsonNode.Parse(json)?.AsObject() ?? []);
        }

        var data = transformed is null
            ? JsonSerializer.Deserialize(json, clrType, Options)
            : transformed.Deserialize(clrType, Options);
        return (type, data ?? throw new JsonException($"Event '{type}' has an empty body."));
    }
}
