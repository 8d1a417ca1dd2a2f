using System.Collections;
using System.Reflection;
using System.Text.Json;

namespace Governance.Api.Core.Validation;

/// <summary>
/// Finds <c>null</c> inside lists and maps of a request body (<c>"requiredSuites": [null]</c>, <c>[null]</c> as a
/// list of buckets). JSON allows them, validators skip them and handlers trip over them, so they are refused before
/// validation, keyed by their path as validation errors write it (<c>requiredSuites[0]</c>, <c>slices[eu]</c>).
/// </summary>
public static class NullElements
{
    private const int MaxDepth = 8;

    /// <summary>The camelCase paths of null elements in <paramref name="body"/>, at most a few.</summary>
    public static List<string> In(object body)
    {
        var found = new List<string>();
        Visit(body, "", found, 0);
        return found;
    }

    private static void Visit(object? value, string path, List<string> found, int depth)
    {
        if (value is null || depth > MaxDepth || found.Count >= 5 || value is string or JsonElement || value.GetType().IsPrimitive || value.GetType().IsEnum)
        {
            return;
        }

        if (value is IDictionary map)
        {
            foreach (DictionaryEntry entry in map)
            {
                var at = $"{path}[{Convert.ToString(entry.Key, System.Globalization.CultureInfo.InvariantCulture)}]";
                if (entry.Value is null)
                {
                    found.Add(at);
                }

                Visit(entry.Value, at, found, depth + 1);
            }

            return;
        }

        if (value is IEnumerable list)
        {
            var i = 0;
            foreach (var item in list)
            {
                var at = $"{path}[{i++}]";
                if (item is null)
                {
                    found.Add(at);
                }

                Visit(item, at, found, depth + 1);
            }

            return;
        }

        var type = value.GetType();
        if (type.Namespace?.StartsWith("Governance.", StringComparison.Ordinal) != true)
        {
            return;
        }

        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length == 0 && property.PropertyType != typeof(string))
            {
                Visit(property.GetValue(value), Join(path, JsonNamingPolicy.CamelCase.ConvertName(property.Name)), found, depth + 1);
            }
        }
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";
}
