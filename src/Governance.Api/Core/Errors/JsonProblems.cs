using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Governance.Api.Core.Json;
using NodaTime;

namespace Governance.Api.Core.Errors;

/// <summary>
/// Turns a body the serializer could not read into errors keyed by the field's JSON path (<c>severity</c>,
/// <c>metrics[0].direction</c>; <c>body</c> for the body as a whole) with a sentence a person understands. The
/// serializer's own messages name .NET types and are never shown; the kind of mistake is worked out from the path,
/// walked through the body's type as the serializer sees it.
/// </summary>
public static class JsonProblems
{
    /// <summary>The key for errors about the body as a whole.</summary>
    public const string Body = "body";

    /// <summary>A 400 problem for <paramref name="exception"/> met while reading a <paramref name="bodyType"/>.</summary>
    public static (string Detail, Dictionary<string, string[]> Errors) Describe(JsonException exception, Type? bodyType, JsonSerializerOptions options)
    {
        var (field, sentence) = Explain(exception, bodyType, options);
        return (sentence, new Dictionary<string, string[]> { [field] = [sentence] });
    }

    /// <summary>The body is missing or JSON null where the request needs one.</summary>
    public static (string Detail, Dictionary<string, string[]> Errors) Missing(Type? bodyType, JsonSerializerOptions options)
    {
        var sentence = $"The body {Expected(bodyType, options)}.";
        return (sentence, new Dictionary<string, string[]> { [Body] = [sentence] });
    }

    private static (string Field, string Sentence) Explain(JsonException exception, Type? bodyType, JsonSerializerOptions options)
    {
        // Not from the serializer (the YAML reader, for one): the message was written for people.
        if (exception.Path is null && exception is not JsonInputException)
        {
            return (Body, exception.Message);
        }

        if (IsReaderError(exception))
        {
            var position = exception.LineNumber is { } line && exception.BytePositionInLine is { } column
                ? string.Create(CultureInfo.InvariantCulture, $" (line {line + 1}, character {column + 1})")
                : "";
            return (Body, $"The body is not valid JSON{position}: {ReaderReason(exception)}");
        }

        var segments = Parse(exception.Path ?? "$");
        var (type, unknownIn, field) = Walk(bodyType, segments, options);
        var name = field == Body ? "The body" : $"'{field}'";
        if (exception is JsonInputException input)
        {
            return (field, $"{name} {input.Problem}.");
        }

        if (exception.Message.StartsWith("The maximum configured depth", StringComparison.Ordinal))
        {
            return (Body, $"The body is nested more than {options.MaxDepth} levels deep.");
        }

        if (exception.Message.StartsWith("Duplicate property", StringComparison.Ordinal))
        {
            return (field, $"{name} is given more than once.");
        }

        if (unknownIn is not null)
        {
            var fields = Fields(unknownIn, options);
            return (field, $"{name} is not a field {(segments.Count == 1 ? "of this request" : "here")}; " +
                (fields.Count == 0 ? "no fields are accepted there." : $"the fields are: {string.Join(", ", fields)}."));
        }

        return (field, $"{name} {Expected(type, options)}.");
    }

    private static bool IsReaderError(Exception exception) =>
        exception.GetType().Name == "JsonReaderException" || exception.InnerException?.GetType().Name == "JsonReaderException";

    private static string ReaderReason(JsonException exception)
    {
        var message = (exception.InnerException as JsonException ?? exception).Message;
        foreach (var tail in new[] { " Path:", " LineNumber:" })
        {
            var cut = message.IndexOf(tail, StringComparison.Ordinal);
            message = cut >= 0 ? message[..cut] : message;
        }

        var reason = message.Trim();
        return reason.Length > 0 && !reason.Contains("System.", StringComparison.Ordinal) && !reason.Contains("Governance.", StringComparison.Ordinal)
            ? reason
            : "it could not be read.";
    }

    /// <summary>What a value of <paramref name="type"/> must look like, as a predicate.</summary>
    private static string Expected(Type? type, JsonSerializerOptions options)
    {
        if (type is null)
        {
            return "must be JSON";
        }

        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string))
        {
            return "must be text, written as a JSON string";
        }

        if (type == typeof(bool))
        {
            return "must be true or false";
        }

        if (type == typeof(int) || type == typeof(long) || type == typeof(short))
        {
            var (min, max) = type == typeof(int) ? (int.MinValue, int.MaxValue) : type == typeof(short) ? (short.MinValue, short.MaxValue) : (long.MinValue, long.MaxValue);
            return string.Create(CultureInfo.InvariantCulture, $"must be a whole number from {min} to {max}");
        }

        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal))
        {
            return "must be a number";
        }

        if (type.IsEnum)
        {
            return $"must be one of: {string.Join(", ", EnumNames(type, options))}";
        }

        if (type == typeof(Instant))
        {
            return $"must be an ISO-8601 instant such as {Time.TimeInput.InstantExample}";
        }

        if (type == typeof(Duration))
        {
            return "must be an ISO-8601 duration such as P7D";
        }

        if (type == typeof(LocalDate))
        {
            return "must be a date such as 2026-11-23";
        }

        if (type == typeof(JsonElement))
        {
            return "must be JSON";
        }

        var info = TypeInfo(type, options);
        return info?.Kind switch
        {
            JsonTypeInfoKind.Enumerable => "must be a list (a JSON array)",
            JsonTypeInfoKind.Dictionary => "must be a JSON object of names and values",
            JsonTypeInfoKind.Object when Fields(type, options) is { Count: > 0 } fields => $"must be a JSON object with the fields: {string.Join(", ", fields)}",
            JsonTypeInfoKind.Object => "must be a JSON object",
            _ => "has the wrong kind of value",
        };
    }

    private static IEnumerable<string> EnumNames(Type type, JsonSerializerOptions options) =>
        Enum.GetValues(type).Cast<object>().Distinct()
            .Select(value => JsonSerializer.Serialize(value, type, options).Trim('"'))
            .Where(name => !int.TryParse(name, NumberStyles.Integer, CultureInfo.InvariantCulture, out _));

    private static List<string> Fields(Type type, JsonSerializerOptions options) =>
        TypeInfo(type, options) is { Kind: JsonTypeInfoKind.Object } info ? [.. info.Properties.Where(p => p.Set is not null || p.AssociatedParameter is not null).Select(p => p.Name)] : [];

    private static JsonTypeInfo? TypeInfo(Type type, JsonSerializerOptions options)
    {
        try
        {
            return options.GetTypeInfo(type);
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>
    /// The type at the end of the path, or the object type in which the last name is unknown, and the error key: the
    /// path without <c>$</c>, object fields after dots, list indexes and map keys in brackets (<c>metrics[0].threshold</c>,
    /// <c>stages[production].minSoak</c>), as validation errors write them; <c>body</c> for the root. A path that
    /// cannot be followed (an index into an object) gives a null type: the message then stays general.
    /// </summary>
    private static (Type? Type, Type? UnknownIn, string Key) Walk(Type? root, List<Segment> segments, JsonSerializerOptions options)
    {
        var key = new StringBuilder();
        var type = root;
        Type? unknownIn = null;
        for (var i = 0; i < segments.Count; i++)
        {
            var segment = segments[i];
            var info = type is null ? null : TypeInfo(Nullable.GetUnderlyingType(type) ?? type, options);
            var name = segment.Name is null ? null : Printable(segment.Name);
            if (segment.Index is { } index)
            {
                key.Append(CultureInfo.InvariantCulture, $"[{index}]");
                type = info?.Kind == JsonTypeInfoKind.Enumerable ? info.ElementType : null;
            }
            else if (info?.Kind == JsonTypeInfoKind.Dictionary)
            {
                key.Append('[').Append(name).Append(']');
                type = info.ElementType;
            }
            else
            {
                key.Append(key.Length > 0 ? "." : "").Append(name);
                var property = info?.Kind == JsonTypeInfoKind.Object
                    ? info.Properties.FirstOrDefault(p => string.Equals(p.Name, segment.Name, StringComparison.OrdinalIgnoreCase))
                    : null;
                if (property is null && info?.Kind == JsonTypeInfoKind.Object && i == segments.Count - 1)
                {
                    unknownIn = info.Type;
                }

                type = property?.PropertyType;
            }
        }

        return (unknownIn is null ? type : null, unknownIn, key.Length == 0 ? Body : key.ToString());
    }

    private static string Printable(string name)
    {
        var shown = new string([.. name.Take(100).Select(c => char.IsControl(c) ? '?' : c)]);
        return name.Length > 100 ? shown + "…" : shown;
    }

    private readonly record struct Segment(string? Name, int? Index);

    /// <summary>Reads the serializer's path: <c>$</c>, <c>$.a[0].b</c>, <c>$['odd.name']</c>.</summary>
    private static List<Segment> Parse(string path)
    {
        var segments = new List<Segment>();
        var i = path.StartsWith('$') ? 1 : 0;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var end = path.IndexOfAny(['.', '['], i + 1);
                end = end < 0 ? path.Length : end;
                segments.Add(new Segment(path[(i + 1)..end], null));
                i = end;
            }
            else if (path.AsSpan(i).StartsWith("['"))
            {
                var end = path.IndexOf("']", i + 2, StringComparison.Ordinal);
                end = end < 0 ? path.Length : end;
                segments.Add(new Segment(path[(i + 2)..end], null));
                i = Math.Min(path.Length, end + 2);
            }
            else if (path[i] == '[')
            {
                var end = path.IndexOf(']', i + 1);
                end = end < 0 ? path.Length : end;
                segments.Add(int.TryParse(path.AsSpan(i + 1, end - i - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                    ? new Segment(null, index)
                    : new Segment(path[(i + 1)..end], null));
                i = Math.Min(path.Length, end + 1);
            }
            else
            {
                i++;
            }
        }

        return segments;
    }
}
