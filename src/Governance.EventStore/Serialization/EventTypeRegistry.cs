using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;

namespace Governance.EventStore.Serialization;

/// <summary>Maps event CLR types to the snake_case names stored in the log, and old names to new ones.</summary>
public sealed class EventTypeRegistry
{
    private readonly ConcurrentDictionary<string, Type> byName = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Type, string> byType = new();
    private readonly ConcurrentDictionary<string, Upcaster> upcasters = new(StringComparer.Ordinal);

    /// <summary>Registers <typeparamref name="TEvent"/> under its snake_case name, or <paramref name="name"/>.</summary>
    public EventTypeRegistry Register<TEvent>(string? name = null) => Register(typeof(TEvent), name);

    /// <summary>Registers an event type under its snake_case name, or <paramref name="name"/>.</summary>
    public EventTypeRegistry Register(Type type, string? name = null)
    {
        name ??= ToSnakeCase(type.Name);
        if (byName.TryGetValue(name, out var existing) && existing != type)
        {
            throw new InvalidOperationException($"Event name '{name}' is already used by {existing.FullName}.");
        }

        byName[name] = type;
        byType[type] = name;
        return this;
    }

    /// <summary>
    /// Reads events stored as <paramref name="oldName"/> as <paramref name="newName"/>, transforming their JSON on the way.
    /// Rows are never rewritten: the log stays as it was written.
    /// </summary>
    public EventTypeRegistry Upcast(string oldName, string newName, Func<JsonObject, JsonObject>? transform = null)
    {
        upcasters[oldName] = new Upcaster(newName, transform ?? (static o => o));
        return this;
    }

    /// <summary>The stored name of an event type.</summary>
    public string NameOf(Type type) =>
        byType.TryGetValue(type, out var name)
            ? name
            : throw new InvalidOperationException($"Event type {type.FullName} is not registered.");

    /// <summary>Whether the type is a registered event.</summary>
    public bool IsRegistered(Type type) => byType.ContainsKey(type);

    /// <summary>The CLR type for a stored name, if known.</summary>
    public Type? TypeOf(string name) => byName.GetValueOrDefault(name);

    internal bool TryGetUpcaster(string name, out Upcaster upcaster) => upcasters.TryGetValue(name, out upcaster!);

    /// <summary>PromotionRequested → promotion_requested.</summary>
    public static string ToSnakeCase(string name)
    {
        var builder = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                var previousIsLower = i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]));
                var nextIsLower = i + 1 < name.Length && char.IsLower(name[i + 1]);
                if (i > 0 && (previousIsLower || (nextIsLower && char.IsUpper(name[i - 1]))))
                {
                    builder.Append('_');
                }

                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    internal readonly record struct Upcaster(string NewName, Func<JsonObject, JsonObject> Transform);
}
