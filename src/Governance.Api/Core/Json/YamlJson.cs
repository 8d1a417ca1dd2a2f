using System.Globalization;
using System.Text;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Governance.Api.Core.Json;

/// <summary>
/// Reads bodies sent as JSON or YAML into the same record: YAML is turned into JSON (plain scalars typed by the
/// YAML 1.2 core schema, quoted ones kept as strings) and then read with the service's JSON options, so both
/// formats obey the same rules (unknown fields refused, durations as ISO-8601).
/// </summary>
public static class YamlJson
{
    /// <summary>The media types read as YAML.</summary>
    public static IReadOnlyList<string> MediaTypes { get; } = ["application/yaml", "application/x-yaml", "text/yaml"];

    /// <summary>Whether the request body is YAML.</summary>
    public static bool IsYaml(HttpRequest request) =>
        request.ContentType is { } type && MediaTypes.Any(m => type.StartsWith(m, StringComparison.OrdinalIgnoreCase));

    /// <summary>Reads the body as <typeparamref name="T"/> from JSON or YAML; malformed bodies become 400, other media types 415.</summary>
    public static async ValueTask<T?> ReadBodyAsync<T>(HttpContext http)
    {
        var options = http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        var request = http.Request;
        try
        {
            if (IsYaml(request))
            {
                using var reader = new StreamReader(request.Body, Encoding.UTF8);
                var yaml = await reader.ReadToEndAsync(http.RequestAborted);
                return JsonSerializer.Deserialize<T>(ToJson(yaml), options);
            }

            if (!request.HasJsonContentType())
            {
                throw new BadHttpRequestException(
                    $"Send the body as JSON ('Content-Type: application/json') or YAML ('{string.Join("', '", MediaTypes)}').",
                    StatusCodes.Status415UnsupportedMediaType);
            }

            return await request.ReadFromJsonAsync<T>(options, http.RequestAborted);
        }
        catch (JsonException ex)
        {
            throw new BadHttpRequestException("The body could not be read.", StatusCodes.Status400BadRequest, ex);
        }
        catch (YamlException ex)
        {
            throw new BadHttpRequestException("The body could not be read.", StatusCodes.Status400BadRequest,
                new JsonException($"Malformed YAML at line {ex.Start.Line}, column {ex.Start.Column}: {ex.Message}", ex));
        }
    }

    /// <summary>The JSON text of a YAML document (an empty document is null).</summary>
    public static string ToJson(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            if (stream.Documents.Count == 0)
            {
                writer.WriteNullValue();
            }
            else
            {
                Write(writer, stream.Documents[0].RootNode, 0);
            }
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Write(Utf8JsonWriter writer, YamlNode node, int depth)
    {
        if (depth > 32)
        {
            throw new JsonException("The YAML document is nested too deeply.");
        }

        switch (node)
        {
            case YamlMappingNode mapping:
                writer.WriteStartObject();
                foreach (var (key, value) in mapping.Children)
                {
                    writer.WritePropertyName(key is YamlScalarNode { Value: { } name } ? name : throw new JsonException("YAML keys must be plain strings."));
                    Write(writer, value, depth + 1);
                }

                writer.WriteEndObject();
                break;
            case YamlSequenceNode sequence:
                writer.WriteStartArray();
                foreach (var item in sequence.Children)
                {
                    Write(writer, item, depth + 1);
                }

                writer.WriteEndArray();
                break;
            case YamlScalarNode scalar:
                WriteScalar(writer, scalar);
                break;
            default:
                throw new JsonException("YAML aliases are not supported in request bodies.");
        }
    }

    private static void WriteScalar(Utf8JsonWriter writer, YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
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
