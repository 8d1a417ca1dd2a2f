using System.Collections.Concurrent;
using System.Text;

namespace Governance.EventLog;

/// <summary>
/// The event types of the service and the snake_case names they are stored under. Feature modules register
/// their own events here; the store maps exactly these names, so a stored name never depends on a .NET type name.
/// </summary>
public sealed class EventTypeRegistry
{
    private readonly ConcurrentDictionary<string, Type> byName = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Type, string> byType = new();

    /// <summary>Registers <typeparamref name="TEvent"/> under its snake_case name, or <paramref name="name"/>.</summary>
    public EventTypeRegistry Register<TEvent>(string? name = null) => Register(typeof(TEvent), name);

    /// <summary>Registers an event type under its snake_case name, or <paramref name="name"/>.</summary>
    public EventTypeRegistry Register(Type type, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(type);
        name ??= ToSnakeCase(type.Name);
        if (byName.TryGetValue(name, out var existing) && existing != type)
        {
            throw new InvalidOperationException($"Event name '{name}' is already used by {existing.FullName}.");
        }

        if (byType.TryGetValue(type, out var previous) && previous != name)
        {
            throw new InvalidOperationException($"Event type {type.FullName} is already registered as '{previous}'.");
        }

        byName[name] = type;
        byType[type] = name;
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

    /// <summary>Every registered type with its stored name.</summary>
    public IReadOnlyCollection<KeyValuePair<Type, string>> Registrations => byType.ToArray();

    /// <summary>PromotionRequested → promotion_requested; SLOBreached → slo_breached.</summary>
    public static string ToSnakeCase(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
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
}
