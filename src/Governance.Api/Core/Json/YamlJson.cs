using System.Globalization;
using System.Text;
using System.Text.Json;
using Governance.Api.Core.Errors;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Governance.Api.Core.Json;

/// <summary>
/// On a Wolverine endpoint: its body may also be sent as YAML (<see cref="YamlJson.MediaTypes"/>); the request rules turn
/// it into JSON before the endpoint reads it.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class YamlBodyAttribute : Attribute;

/// <summary>
/// Reads bodies sent as JSON or YAML into the same record: YAML is turned into JSON (plain scalars typed by the
/// YAML 1.2 core schema, quoted ones kept as strings) and then read with the service's JSON options, so both
/// formats obey the same rules (unknown fields refused, durations as ISO-8601).
/// </summary>
public static class YamlJson
{
    /// <summary>The media types read as YAML.</summary>
    public static IReadOnlyList<string> MediaTypes { get; } = ["application/yaml", "application/x-yaml", "text/yaml"];

    // Policies are a few dozen values a few levels deep; these bounds leave room and keep hostile bodies cheap.
    private const int MaxDepth = 32;
    private const int MaxNodes = 10_000;

    /// <summary>Whether the request body is YAML.</summary>
    public static bool IsYaml(HttpRequest request) =>
        request.ContentType is { } type && MediaTypes.Any(m => type.StartsWith(m, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Replaces a YAML request body with its JSON text (<c>application/json</c>), so the endpoint reads it the way it
    /// reads JSON, with the same rules and the same sentences for what is wrong.
    /// </summary>
    /// <exception cref="BodyRefusedException">Malformed YAML, or YAML <see cref="ToJson"/> refuses.</exception>
    public static async Task ReplaceWithJsonAsync(HttpRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var reader = new StreamReader(request.Body, Encoding.UTF8, leaveOpen: true);
        var yaml = await reader.ReadToEndAsync(ct);
        string json;
        try
        {
            json = ToJson(yaml);
        }
        catch (YamlException ex)
        {
            throw new BodyRefusedException($"The YAML could not be read at line {ex.Start.Line}, column {ex.Start.Column}: {ex.Message}", ex);
        }

        var bytes = Encoding.UTF8.GetBytes(json);
        request.Body = new MemoryStream(bytes);
        request.ContentLength = bytes.Length;
        request.ContentType = "application/json";
    }

    /// <summary>
    /// The JSON text of a YAML document (an empty document is null). Read event by event from the parser, so an
    /// anchor or alias is refused before anything is expanded: a few hundred bytes of nested aliases would otherwise
    /// stand for billions of nodes.
    /// </summary>
    /// <exception cref="BodyRefusedException">Anchors, aliases, more than one document, too deep or too many nodes.</exception>
    /// <exception cref="YamlException">Malformed YAML.</exception>
    public static string ToJson(string yaml)
    {
        var parser = new Parser(new StringReader(yaml));
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            parser.Consume<StreamStart>();
            if (parser.TryConsume<StreamEnd>(out _))
            {
                writer.WriteNullValue();
            }
            else
            {
                parser.Consume<DocumentStart>();
                var nodes = 0;
                Write(parser, writer, depth: 0, ref nodes);
                parser.Consume<DocumentEnd>();
                if (!parser.Accept<StreamEnd>(out _))
                {
                    throw Refused("Send one YAML document; the body holds more than one ('---').", parser.Current);
                }
            }
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Write(IParser parser, Utf8JsonWriter writer, int depth, ref int nodes)
    {
        if (depth > MaxDepth)
        {
            throw Refused($"The YAML document is nested more than {MaxDepth} levels deep.", parser.Current);
        }

        if (++nodes > MaxNodes)
        {
            throw Refused($"The YAML document has more than {MaxNodes} values.", parser.Current);
        }

        switch (parser.Current)
        {
            case AnchorAlias alias:
                throw Refused($"YAML anchors and aliases are not accepted (found '*{alias.Value}'); write each value out in full.", alias);
            case NodeEvent { Anchor.IsEmpty: false } anchored:
                throw Refused($"YAML anchors and aliases are not accepted (found '&{anchored.Anchor}'); write each value out in full.", anchored);
            case MappingStart:
                parser.MoveNext();
                writer.WriteStartObject();
                var keys = new HashSet<string>(StringComparer.Ordinal);
                while (!parser.TryConsume<MappingEnd>(out _))
                {
                    var key = parser.Current as Scalar ?? throw Refused("YAML keys must be plain strings.", parser.Current);
                    if (!key.Anchor.IsEmpty)
                    {
                        throw Refused($"YAML anchors and aliases are not accepted (found '&{key.Anchor}'); write each value out in full.", key);
                    }

                    if (!keys.Add(key.Value))
                    {
                        throw Refused($"The key '{key.Value}' appears twice in the same mapping.", key);
                    }

                    parser.MoveNext();
                    writer.WritePropertyName(key.Value);
                    Write(parser, writer, depth + 1, ref nodes);
                }

                writer.WriteEndObject();
                break;
            case SequenceStart:
                parser.MoveNext();
                writer.WriteStartArray();
                while (!parser.TryConsume<SequenceEnd>(out _))
                {
                    Write(parser, writer, depth + 1, ref nodes);
                }

                writer.WriteEndArray();
                break;
            case Scalar scalar:
                parser.MoveNext();
                WriteScalar(writer, scalar);
                break;
            default:
                throw Refused("The YAML document could not be read.", parser.Current);
        }
    }

    private static BodyRefusedException Refused(string reason, ParsingEvent? at) =>
        new(at is null ? reason : $"{reason} (line {at.Start.Line}, column {at.Start.Column})");

    private static void WriteScalar(Utf8JsonWriter writer, Scalar scalar)
    {
        var text = scalar.Value;
        if (scalar.Style != ScalarStyle.Plain)
        {
            writer.WriteStringValue(text);
            return;
        }

        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                writer.WriteNullValue();
                return;
            case "true" or "True" or "TRUE":
                writer.WriteBooleanValue(true);
                return;
            case "false" or "False" or "FALSE":
                writer.WriteBooleanValue(false);
                return;
        }

        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            writer.WriteNumberValue(integer);
        }
        else if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number) && text.Any(char.IsDigit))
        {
            writer.WriteNumberValue(number);
        }
        else
        {
            writer.WriteStringValue(text);
        }
    }
}
