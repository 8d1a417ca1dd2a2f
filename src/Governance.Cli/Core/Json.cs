using System.Text.Json;

namespace Governance.Cli.Core;

/// <summary>Reading the service's JSON leniently: a missing field reads as nothing rather than failing a command that already succeeded.</summary>
public static class Json
{
    public static string? Str(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Null or JsonValueKind.Undefined => null,
                _ => value.ToString(),
            }
            : null;

    public static int Int(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32() : 0;

    public static bool Bool(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

    public static JsonElement Obj(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : default;

    public static IReadOnlyList<JsonElement> Array(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? [.. value.EnumerateArray()]
            : [];

    public static IReadOnlyList<string> Strings(this JsonElement element, string name) =>
        [.. element.Array(name).Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.ToString())];

    /// <summary>A list for a sentence: "ana, bob" or "nobody".</summary>
    public static string Names(IReadOnlyList<string> names, string none = "nobody") => names.Count == 0 ? none : string.Join(", ", names);
}
